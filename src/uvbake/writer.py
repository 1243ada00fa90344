"""The only module that touches disk for output: a pure diff, then an all-or-nothing apply."""

from __future__ import annotations

import difflib
import errno
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import UvbakeError


@dataclass(frozen=True)
class Change:
    path: str
    old: str | None
    new: str

    def diff(self) -> str:
        old = (self.old or "").splitlines(keepends=True)
        new = self.new.splitlines(keepends=True)
        before = f"a/{self.path}" if self.old is not None else "/dev/null"
        return "".join(difflib.unified_diff(old, new, before, f"b/{self.path}"))


def _current(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return ""


def changes(root: Path, files: Mapping[str, str]) -> list[Change]:
    """The files whose text on disk differs from `files`; reads, never writes."""
    out = []
    for rel in sorted(files):
        old = _current(root / rel)
        if old != files[rel]:
            out.append(Change(path=rel, old=old, new=files[rel]))
    return out


def apply(root: Path, pending: list[Change]) -> None:
    """Write every change or none: all temporaries first, then one rename each.

    Missing parent folders (such as .github/workflows) are created on the way.
    """
    staged: list[tuple[str, Path]] = []
    current = ""
    try:
        for change in pending:
            current = change.path
            target = root / change.path
            if target.is_dir() and not target.is_symlink():
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            staged.append((tmp, target))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(change.new)
            mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
            os.chmod(tmp, mode)
        for (tmp, target), change in zip(staged, pending, strict=True):
            current = change.path
            os.replace(tmp, target)
    except OSError as exc:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise UvbakeError(
            current or root,
            f"cannot write generated files ({exc.strerror})",
            "make the folder writable and remove anything that is not a file at that path",
        ) from None
