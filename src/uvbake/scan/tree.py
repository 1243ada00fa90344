"""The checkout as planning sees it, read once: every folder and file under the workspace
root, and the top-level bindings of each Python module that may hold a handler. Planning
asks this record, never the disk."""

from __future__ import annotations

import bisect
import os
import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from uvbake import checkout
from uvbake.scan import bindings

# Folders never walked: those no walk of the checkout enters (version control, virtualenvs,
# dependencies, caches), and the deployment tools' outputs, which copy the code they deploy.
SKIP = checkout.SKIP | {"cdk.out", ".aws-sam", ".serverless", ".terraform", ".sst"}
# A module is parsed when it may hold a handler: a top-level def named like one.
_HANDLER_DEF = re.compile(
    rb"^(?:async +)?def +(?:" + rb"|".join(n.encode() for n in bindings.CONVENTIONAL) + rb") *\(",
    re.M,
)


@dataclass(frozen=True)
class Tree:
    """Files and folders (POSIX paths relative to the workspace root, "." for the root) and
    the parsed modules. `children` maps each folder to its entries' names, sorted."""

    files: frozenset[str] = frozenset()
    children: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    parsed: Mapping[str, bindings.Parsed] = field(default_factory=dict)
    # Modules with a top-level `def handler(` or `def lambda_handler(` (async too).
    handler_like: frozenset[str] = frozenset()

    def has_dir(self, path: str) -> bool:
        return _norm(path) in self.children

    def has_file(self, path: str) -> bool:
        return _norm(path) in self.files

    def has(self, path: str) -> bool:
        return self.has_dir(path) or self.has_file(path)

    def entries(self, folder: str) -> tuple[str, ...]:
        """The names in `folder`, sorted (none for a folder that is not there)."""
        return self.children.get(_norm(folder), ())

    @cached_property
    def _ordered(self) -> tuple[str, ...]:
        return tuple(sorted(self.files))

    def walk_files(self, folder: str, *, suffix: str = "") -> Iterator[str]:
        """Every file below `folder` (paths from the root) ending with `suffix`, sorted."""
        top = _norm(folder)
        prefix = "" if top == "." else f"{top}/"
        ordered = self._ordered
        for path in ordered[bisect.bisect_left(ordered, prefix) :]:
            if not path.startswith(prefix):
                break
            if path.endswith(suffix):
                yield path

    def binding(self, module: str, name: str) -> bindings.Binding | None:
        parsed = self.parsed.get(_norm(module))
        return None if parsed is None else parsed.binding(name)


def _norm(path: str) -> str:
    return posixpath.normpath(path) if path else "."


def _walk(root: Path) -> Iterator[tuple[str, list[str], list[str]]]:
    """(folder, sub-folders, files) below `root`, symbolic links to folders inside it
    followed once (a link back up is not walked again)."""
    seen: set[str] = set()
    top = os.path.realpath(root)
    for folder, dirs, names in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        inside = real == top or real.startswith(top + os.sep)
        if real in seen or not inside:
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = sorted(d for d in dirs if d not in SKIP and not d.endswith(".egg-info"))
        rel = Path(folder).relative_to(root).as_posix()
        yield rel, dirs, names


def mentions(explicit: Iterable[str]) -> re.Pattern[bytes] | None:
    """A pattern that finds any of the function names `explicit` in a module's source."""
    wanted = [re.escape(n.encode()) for n in sorted(set(explicit)) if n.isidentifier()]
    return re.compile(rb"\b(?:" + rb"|".join(wanted) + rb")\b") if wanted else None


def read_module(
    path: str, source: bytes, *, mentioned: re.Pattern[bytes] | None
) -> tuple[bool, bindings.Parsed | None]:
    """Whether the module `path` may hold a handler by the conventions, and its bindings when
    it is parsed: when it may, when it is named main.py, or when it mentions a name that
    `mentioned` finds."""
    like = _HANDLER_DEF.search(source) is not None
    named = posixpath.basename(path) == "main.py"
    if like or named or (mentioned is not None and mentioned.search(source)):
        return like, bindings.parse_source(source, rel=path)
    return like, None


def read_tree(root: Path, *, explicit: Iterable[str] = ()) -> Tree:
    """The tree below `root`. Modules are parsed when they may hold a handler by the
    conventions, are named main.py, or mention a name in `explicit` (the functions that
    configured or declared handlers name)."""
    files: set[str] = set()
    children: dict[str, tuple[str, ...]] = {}
    mentioned = mentions(explicit)
    parsed: dict[str, bindings.Parsed] = {}
    handler_like: set[str] = set()
    for rel, dirs, names in _walk(root):
        children[rel] = tuple(sorted([*dirs, *names]))
        for name in names:
            path = name if rel == "." else f"{rel}/{name}"
            files.add(path)
            if not name.endswith(".py"):
                continue
            try:
                source = (root / path).read_bytes()
            except OSError:
                continue
            like, module = read_module(path, source, mentioned=mentioned)
            if module is not None:
                parsed[path] = module
            if like:
                handler_like.add(path)
    return Tree(
        files=frozenset(files),
        children=children,
        parsed=parsed,
        handler_like=frozenset(handler_like),
    )


def tree_of(files: Mapping[str, str]) -> Tree:
    """A tree made from file texts by path, without a disk: what `read_tree` would read from a
    checkout holding exactly these files (every module parsed)."""
    children: dict[str, set[str]] = {".": set()}
    for path in files:
        parts = path.split("/")
        for depth in range(len(parts)):
            folder = "/".join(parts[:depth]) or "."
            children.setdefault(folder, set()).add(parts[depth])
    parsed = {
        path: bindings.parse_source(text.encode(), rel=path)
        for path, text in files.items()
        if path.endswith(".py")
    }
    like = {p for p in parsed if _HANDLER_DEF.search(files[p].encode())}
    return Tree(
        files=frozenset(files),
        children={folder: tuple(sorted(names)) for folder, names in children.items()},
        parsed=parsed,
        handler_like=frozenset(like),
    )
