"""What the scan takes from each Python file, as a short digest per file: so that `generate`
can tell whether an edit changed anything planning decides from, reading only the files that
changed.

A module's fact is whether it may hold a handler by the conventions and, where the scan parses
it, what the names planning asks about are bound to (`bindings.Parsed.facts`); a declared
handler's module is parsed whatever it holds. A file that declares functions (a CDK app) is
marked, and any change to it counts. An edit that leaves every fact alone (a function's body, a
comment, a new constant) plans the same workspace.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, NamedTuple

from uvbake.scan import bindings, declarations
from uvbake.scan.tree import mentions, read_module

if TYPE_CHECKING:
    from uvbake.scan.scanner import Scan


class Fact(NamedTuple):
    """`module`: the digest of what the scan took from a module of the workspace's tree (None
    for a file outside it); `forced`: the module of a declared handler, parsed whatever it
    holds; `declares`: the file declares a function, or has a problem as a declaration. A
    tuple, so that a memory holds it without importing the scan."""

    module: str | None
    forced: bool = False
    declares: bool = False


def _digest(
    like: bool,
    parsed: bindings.Parsed | None,
    again: bindings.Parsed | None,
    *,
    names: frozenset[str],
) -> str:
    """`parsed`: as the tree parsed the module; `again`: as a declared handler's check did."""
    facts = tuple(None if p is None else p.facts(names) for p in (parsed, again))
    return hashlib.sha256(repr((like, facts)).encode()).hexdigest()[:24]


def _names(named: frozenset[str]) -> frozenset[str]:
    return frozenset(bindings.CONVENTIONAL) | named


def _from_top(top: Path, root: Path) -> str:
    """The workspace root's path from the checkout's top, "" when they are one folder."""
    rel = os.path.relpath(root.resolve(), top.resolve())
    return "" if rel == "." else Path(rel).as_posix() + "/"


def recorded(scanned: Scan, *, root: Path) -> dict[str, Fact]:
    """The fact of every Python file the scan reads, by its path from the checkout's top."""
    names = _names(scanned.named)
    tree = scanned.tree
    forced = {f.module_file for f in scanned.functions if f.module_file is not None}
    prefix = _from_top(scanned.top, root)
    out: dict[str, Fact] = {}
    for path in tree.files:
        if not path.endswith(".py"):
            continue
        again = bindings.parse(root, path) if path in forced else None
        digest = _digest(path in tree.handler_like, tree.parsed.get(path), again, names=names)
        out[prefix + path] = Fact(module=digest, forced=path in forced)
    for file in scanned.declaring:
        if file.endswith(".py"):
            out[file] = out.get(file, Fact(module=None))._replace(declares=True)
    return out


def current(top: Path, rel: str, *, root: Path, was: Fact, named: frozenset[str]) -> Fact:
    """The fact of the file `rel` (from the checkout's top) as it is now, read as the scan
    read it when its fact was `was`."""
    read = declarations.read_one(top, PurePosixPath(rel))
    declares = bool(read.functions or read.problems)
    if was.module is None:
        return Fact(module=None, declares=declares)
    path = rel.removeprefix(_from_top(top, root))
    try:
        source = (top / rel).read_bytes()
    except OSError:
        return Fact(module="unreadable", forced=was.forced, declares=declares)
    like, parsed = read_module(path, source, mentioned=mentions(named))
    again = bindings.parse_source(source, rel=path) if was.forced else None
    digest = _digest(like, parsed, again, names=_names(named))
    return Fact(module=digest, forced=was.forced, declares=declares)
