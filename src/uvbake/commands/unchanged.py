"""A remembered `uvbake generate` when nothing at all changed, in the fewest imports.

The everyday loop runs `uvbake generate && docker buildx bake` many times a day, most of them
with nothing changed, so what the run costs is mostly Python starting and importing. This
module answers that run with the standard library's os, sys, json, hashlib and time alone
(no pathlib, typing, dataclasses or TOML): it reads the memory commands.memo keeps, checks
it as commands.memo.recall does, and prints the remembered lines. Anything it cannot answer
this way (a file's time changed, the memory was made from another folder, a broken memory)
is left to commands.generate.replayed, which knows more, then to a full run.

The walk, uvbake's own digest and the memory's place are defined here, and commands.memo
uses them, so that both read the checkout the same way.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time

import uvbake
from uvbake import checkout, names
from uvbake.checkout import SKIP

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Collection
    from typing import Any

VERSION = 3


def walk(
    top: str, *, outputs: Collection[str]
) -> tuple[tuple[str, ...], dict[str, tuple[int, int]]]:
    """The checkout under `top` (absolute, symlinks resolved): its folders, and its files with
    (size, mtime in ns), each relative to `top`; `outputs` (absolute paths) left out."""
    folders: list[str] = []
    files: dict[str, tuple[int, int]] = {}
    under = top.rstrip("/") + "/"
    for folder, dirs, found in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in SKIP)
        rel = "." if folder == top else folder[len(under) :]
        folders.append(rel)
        prefix = "" if rel == "." else f"{rel}/"
        for name in found:
            path = os.path.join(folder, name)
            if path in outputs:
                continue
            try:
                st = os.lstat(path)
            except OSError:
                continue
            files[prefix + name] = (st.st_size, st.st_mtime_ns)
    return tuple(folders), files


def itself(root: str, *, today: str) -> str:
    """uvbake's version and its own files (an editable install changes without a version),
    the Python running it, the day (YYYY-MM-DD) and the root."""
    package = os.path.dirname(uvbake.__file__)
    h = hashlib.sha256(f"{VERSION} {uvbake.__version__} {sys.version} {root}\n".encode())
    h.update(f"{today}\n".encode())
    for folder, dirs, found in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(found):
            st = os.lstat(os.path.join(folder, name))
            h.update(f"{folder}/{name} {st.st_size} {st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def place(root: str) -> str:
    """Where the memory of `root` (absolute, symlinks resolved) is kept."""
    name = hashlib.sha256(root.encode()).hexdigest()[:32]
    return os.path.join(names.cache_path("generate"), f"{name}.json")


def today() -> str:
    """The local day, as `datetime.date.today()` prints it."""
    return time.strftime("%Y-%m-%d")


def _memory(root: str) -> dict[str, Any] | None:
    """The memory of `root` as its JSON holds it; None when there is none of this version."""
    try:
        with open(place(root), encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("version") == VERSION else None


def _found(given: str | None) -> tuple[str, dict[str, Any]] | None:
    """The root and its memory: `given`'s, or, without it, that of the nearest folder at or
    above the current one whose memory says that a plain `uvbake generate` run from the
    current folder finds that folder as its root (commands.memo records where it does)."""
    if given is not None:
        root = os.path.realpath(given)
        data = _memory(root)
        return None if data is None else (root, data)
    here = os.path.realpath(os.getcwd())
    folder = here
    while True:
        if os.path.exists(place(folder)):
            data = _memory(folder)
            if data is not None and _made_from(data, here):
                return folder, data
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _made_from(data: dict[str, Any], here: str) -> bool:
    """Whether the memory says that a plain `uvbake generate` from `here` finds its root."""
    cwds = data.get("cwds")
    return isinstance(cwds, list) and all(isinstance(c, str) for c in cwds) and here in cwds


def _holds(root: str, data: dict[str, Any]) -> bool:
    """Whether the memory holds with no file changed since it was made: the generated files
    are those it made, uvbake and the day are the same, and every folder and file of the
    checkout is there with the size and time it recorded."""
    outputs: dict[str, str] = data["outputs"]
    for name, expected in outputs.items():
        try:
            with open(os.path.join(root, name), encoding="utf-8") as f:
                if text_digest(f.read()) != expected:
                    return False
        except (OSError, UnicodeDecodeError):
            return False
    if itself(root, today=today()) != data["itself"]:
        return False
    top = checkout.top_of(root)
    folders, files = walk(top, outputs={os.path.join(root, name) for name in outputs})
    recorded: dict[str, list[int]] = data["files"]
    if list(folders) != data["folders"] or len(files) != len(recorded):
        return False
    return all(recorded.get(rel) == [size, mtime] for rel, (size, mtime) in files.items())


def answer(*, quiet: bool, given: str | None) -> int | None:
    """The exit code of a plain `uvbake generate` (`given`: its --root) when its memory holds
    and nothing changed, once the remembered lines are printed as Console prints them; None
    when this module cannot tell (commands.generate.replayed looks further)."""
    found = _found(given)
    if found is None:
        return None
    root, data = found
    try:
        if not _holds(root, data):
            return None
        lines = [(kind, text) for kind, text in data["lines"]]
    except (KeyError, TypeError, ValueError, AttributeError):
        return None  # a memory of another shape: the next run writes a good one
    if not all(kind in ("warn", "note") and isinstance(text, str) for kind, text in lines):
        return None
    if not quiet:
        for kind, text in lines:
            if kind == "warn":
                sys.stderr.write(f"uvbake: warning: {text}\n")
            else:
                sys.stdout.write(f"{text}\n")
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        from uvbake.errors import pipe_closed

        return pipe_closed()
    return 0
