"""Workspace globs with uv's semantics, for members, services and libraries alike.

uv expands `[tool.uv.workspace] members` one path component at a time: `*`, `?` and `[...]`
(with `!` for negation) match inside one folder name, a `**` component matches zero or more
folders, and hidden folders are not special. `exclude` patterns are matched against a whole
member path, where `*` also crosses `/` (uv's glob::Pattern::matches_path): `services/*`
excludes `services/a/b` too. A `**` at the end matches one folder or more, never the folder
before it: `services/**` is neither `services` as a member nor as an exclude.
tests/test_globs.py asks `uv lock` and compares.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

MAGIC = frozenset("*?[")


def has_magic(pattern: str) -> bool:
    return any(char in pattern for char in MAGIC)


def matches(pattern: str, path: str) -> bool:
    """Whether the member glob `pattern` matches the relative folder `path`, component by
    component (the folder need not exist)."""
    return _parts_match(_parts(pattern), _parts(path))


def excludes(pattern: str, path: str) -> bool:
    """Whether the exclude glob `pattern` matches `path`: like `matches`, but `*` and `?`
    also match `/`."""
    return _whole_path(pattern).fullmatch(_clean(path)) is not None


def expand(root: Path, pattern: str) -> list[Path]:
    """The paths under `root` that `pattern` matches, sorted, links not followed below them."""
    if not has_magic(pattern):
        return [root / pattern] if os.path.lexists(root / pattern) else []
    return sorted(set(_walk(root, _parts(pattern))))


def _clean(path: str) -> str:
    return PurePosixPath(path).as_posix().strip("/") if path not in ("", ".") else ""


def _parts(path: str) -> tuple[str, ...]:
    text = _clean(path)
    return tuple(p for p in text.split("/") if p and p != ".") if text else ()


def _parts_match(pattern: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    if not pattern:
        return not parts
    if pattern[0] == "**":
        # a last `**` matches one folder or more, one before other components zero or more
        first = 1 if len(pattern) == 1 else 0
        return any(_parts_match(pattern[1:], parts[i:]) for i in range(first, len(parts) + 1))
    return (
        bool(parts) and fnmatchcase(parts[0], pattern[0]) and _parts_match(pattern[1:], parts[1:])
    )


@functools.lru_cache(maxsize=256)
def _whole_path(pattern: str) -> re.Pattern[str]:
    regex = ""
    text = _clean(pattern)
    i = 0
    while i < len(text):
        if text.startswith("**/", i):
            regex += "(?:.*/)?"
            i += 3
        elif text.startswith("**", i):
            regex += ".*"
            i += 2
        elif text[i] == "*":
            regex += ".*"
            i += 1
        elif text[i] == "?":
            regex += "."
            i += 1
        elif text[i] == "[" and "]" in text[i + 2 :]:
            end = text.index("]", i + 2)
            body = text[i + 1 : end]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            regex += "[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]"
            i = end + 1
        else:
            regex += re.escape(text[i])
            i += 1
    return re.compile(regex)


def _walk(folder: Path, pattern: tuple[str, ...]) -> Iterator[Path]:
    if not pattern:
        yield folder
        return
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        if rest:
            yield from _walk(folder, rest)
        for child in _children(folder):
            if not rest:
                yield child
            if child.is_dir() and not child.is_symlink():
                yield from _walk(child, pattern)
        return
    if not has_magic(head):
        child = folder / head
        if os.path.lexists(child):
            yield from (child,) if not rest else _walk(child, rest) if child.is_dir() else ()
        return
    for child in _children(folder):
        if fnmatchcase(child.name, head):
            if not rest:
                yield child
            elif child.is_dir():
                yield from _walk(child, rest)


def _children(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except OSError:
        return []
