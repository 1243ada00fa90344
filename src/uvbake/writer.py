"""The only module that touches disk for output: a pure diff, then an all-or-nothing apply."""

from __future__ import annotations

import difflib
import errno
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from uvbake.errors import UvbakeError
from uvbake.names import marked


@dataclass(frozen=True)
class Change:
    path: str
    old: str | None
    new: str
    unreadable: bool = False

    def diff(self) -> str:
        old = (self.old or "").splitlines(keepends=True)
        new = self.new.splitlines(keepends=True)
        before = f"a/{self.path}" if self.old is not None else "/dev/null"
        return "".join(difflib.unified_diff(old, new, before, f"b/{self.path}"))


def _current(path: Path) -> tuple[str | None, bool]:
    """The file's text (None when there is no file) and whether it could not be read as text
    (then its text is "")."""
    try:
        return path.read_text(encoding="utf-8"), False
    except FileNotFoundError:
        return None, False
    except IsADirectoryError:
        return "", False  # `apply` names it
    except (OSError, UnicodeDecodeError):
        return "", True


def foreign(pending: list[Change]) -> list[str]:
    """The paths among `pending` that hold a file uvbake did not write: not empty, and no
    mark (`names.MARK`) near the top (an unreadable file counts as not written)."""
    return [
        c.path
        for c in pending
        if c.old is not None and (c.old.strip() or c.unreadable) and not marked(c.old)
    ]


def changes(root: Path, files: Mapping[str, str]) -> list[Change]:
    """The files whose text on disk differs from `files`; reads, never writes."""
    out = []
    for rel in sorted(files):
        old, unreadable = _current(root / rel)
        if old != files[rel]:
            out.append(Change(path=rel, old=old, new=files[rel], unreadable=unreadable))
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


def remember(path: Path, text: str) -> bool:
    """Write a memory (commands.memo) atomically; whether it was written. A cache that cannot
    be written is no error: the next run only does the whole work again."""
    tmp = ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        return False
    return True
