"""What `uvbake generate` remembers of its last full run: a digest of every file and folder of
the checkout, of uvbake itself and of the day, the digest of each file it generated, and the
lines a run would print now. When the digest is the same and the generated files are still
those, nothing a run reads has changed and the files are what it would write: the next run
prints the lines again without loading the workspace, so the no-op of the everyday loop
(`uvbake generate && docker buildx bake`) costs about as much as starting uvbake.

The walk covers the repository's top (declarations are read from there) and skips fewer
folders than the scan does, so every file the scan reads is in it; a change anywhere else
only costs a full run. A file modified within RACY_NS of the walk is not trusted (a file
system may keep coarse times, so a later edit could leave the same time and size): then
nothing is remembered. The memory is a JSON file in the user's cache folder, one per
workspace root; a memory that cannot be read or written only costs a full run.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import uvbake
from uvbake import git
from uvbake.names import cache_folder

# A subset of the scan's own skipped folders (scan.tree.SKIP; a test holds it so): folders
# no generated file depends on, and too large to walk.
SKIP = frozenset(
    {
        ".git",
        ".hg",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
    }
)
RACY_NS = 2_000_000_000
VERSION = 1


@dataclass(frozen=True)
class Line:
    """One line a run prints: `kind` "warn" (stderr) or "note" (stdout), as Console says."""

    kind: str
    text: str


@dataclass(frozen=True)
class Memo:
    key: str
    outputs: Mapping[str, str]  # generated file -> sha256 of its text
    lines: tuple[Line, ...]


def _entries(top: Path, *, skip: frozenset[str], outputs: frozenset[Path]) -> Iterator[str]:
    """A line per folder and file under `top` (the generated files left out: their text is
    checked instead), with its size and modification time."""
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in skip)
        here = Path(folder)
        yield f"d {here.relative_to(top).as_posix()}"
        for name in sorted(files):
            path = here / name
            if path in outputs:
                continue
            try:
                st = os.lstat(path)
            except OSError:
                continue
            yield f"f {path.relative_to(top).as_posix()} {st.st_size} {st.st_mtime_ns}"


def _uvbake_itself() -> Iterator[str]:
    """uvbake's version and its own files (an editable install changes without a version)."""
    package = Path(uvbake.__file__).parent
    yield f"uvbake {uvbake.__version__} {sys.version}"
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            st = os.lstat(os.path.join(folder, name))
            yield f"{folder}/{name} {st.st_size} {st.st_mtime_ns}"


def digest(root: Path, *, outputs: Sequence[str], today: date | None = None) -> str | None:
    """The digest of everything a run of `generate` in `root` reads; None when a file was
    modified too recently to trust its time."""
    root = root.resolve()
    top = git.checkout_top(root)
    skipped = frozenset(root / name for name in outputs)
    newest = time.time_ns() - RACY_NS
    h = hashlib.sha256(f"memo {VERSION} {root} {today or date.today()}\n".encode())
    for line in (*_uvbake_itself(), *_entries(top, skip=SKIP, outputs=skipped)):
        if line.startswith("f ") and int(line.rsplit(" ", 1)[1]) > newest:
            return None
        h.update(line.encode() + b"\n")
    return h.hexdigest()


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def place(root: Path) -> Path:
    """Where the memory of `root` is kept."""
    name = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:32]
    return cache_folder("generate") / f"{name}.json"


def dumps(memo: Memo) -> str:
    return json.dumps(
        {
            "version": VERSION,
            "key": memo.key,
            "outputs": dict(memo.outputs),
            "lines": [[line.kind, line.text] for line in memo.lines],
        }
    )


def recall(root: Path) -> Memo | None:
    """The memory of `root`, when it holds and its generated files are unchanged; else None."""
    try:
        data = json.loads(place(root).read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            return None
        memo = Memo(
            key=str(data["key"]),
            outputs={str(k): str(v) for k, v in data["outputs"].items()},
            lines=tuple(Line(kind=str(k), text=str(t)) for k, t in data["lines"]),
        )
        for name, expected in memo.outputs.items():
            if text_digest((root / name).read_text(encoding="utf-8")) != expected:
                return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if digest(root, outputs=list(memo.outputs)) != memo.key:
        return None
    return memo
