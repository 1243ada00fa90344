"""What `uvbake generate` remembers of its last full run: every folder and file of the checkout
(with its size and modification time), what the scan took from each Python file
(`scan.facts`), the digest of uvbake itself and of the day, the digest of each file it
generated, and the lines a run would print now.

A later run walks the checkout again. When the same folders and files are there, the generated
files are still those, and every file that changed is a Python file whose facts are the same
(an edit inside a function, a comment, a new constant), the plan would be the same: the run
prints the lines again without loading the workspace, so the everyday loop (`uvbake generate
&& docker buildx bake`) costs about as much as starting uvbake, after a code edit too. Any
other change (a file added or removed, a pyproject, uv.lock, a declaration, a handler's
signature) runs in full.

The walk covers the repository's top (declarations are read from there) and skips fewer
folders than the scan does, so every file the scan reads is in it. A file modified within
RACY_NS of the run's start is not trusted by its time (a file system may keep coarse times, so
a later edit could leave the same time and size): it is checked again by its content (its
facts, for a Python file) at every run until it is older. The memory is a JSON file in the
user's cache folder, one per workspace root; a memory that cannot be read or written only
costs a full run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from uvbake import git
from uvbake.checkout import SKIP
from uvbake.commands import unchanged
from uvbake.commands.unchanged import VERSION, text_digest

RACY_NS = 2_000_000_000
RACY = -1  # the time recorded for a file too new to be trusted by its time
# What the scan took from a Python file (scan.facts.Fact, a tuple): (module, forced, declares).
FactTuple = tuple[str | None, bool, bool]


@dataclass(frozen=True)
class Line:
    """One line a run prints: `kind` "warn" (stderr) or "note" (stdout), as Console says."""

    kind: str
    text: str


@dataclass(frozen=True)
class Walk:
    """The checkout as the memory sees it: folders, and files with (size, mtime in ns), each
    relative to the checkout's top; the generated files are left out."""

    folders: tuple[str, ...]
    files: Mapping[str, tuple[int, int]]


@dataclass(frozen=True)
class Memo:
    itself: str  # uvbake, the day and the root
    outputs: Mapping[str, str]  # generated file -> sha256 of its text
    lines: tuple[Line, ...]
    named: frozenset[str]  # the function names the scan looked for (scan.Scan.named)
    walk: Walk
    facts: Mapping[str, FactTuple]  # Python files, by path from the top
    sums: Mapping[str, str]  # other files too new to trust by time -> sha256 of their bytes
    # The folders (absolute) from which a plain `uvbake generate` finds this root, as far as
    # the checkout the memory holds tells: commands.unchanged looks for the memory from there.
    cwds: frozenset[str] = frozenset()


def _walk(top: Path, *, outputs: frozenset[Path]) -> Walk:
    folders, files = unchanged.walk(str(top), outputs={str(path) for path in outputs})
    return Walk(folders=folders, files=files)


def _uvbake_itself(root: Path, today: date | None) -> str:
    return unchanged.itself(str(root), today=str(today or date.today()))


def _file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def place(root: Path) -> Path:
    """Where the memory of `root` is kept."""
    return Path(unchanged.place(str(root.resolve())))


def made(
    root: Path,
    *,
    outputs: Mapping[str, str],
    lines: tuple[Line, ...],
    named: frozenset[str],
    facts: Mapping[str, FactTuple],
    started_ns: int,
    today: date | None = None,
) -> Memo:
    """The memory of a run that started at `started_ns` and generated `outputs` (their
    texts), with the scan's `facts` and `named`."""
    root = root.resolve()
    top = git.checkout_top(root)
    walk = _walk(top, outputs=frozenset(root / name for name in outputs))
    # every Python file has a fact: one the scan does not read may still become a declaration
    every: dict[str, FactTuple] = {
        rel: (None, False, False) for rel in walk.files if rel.endswith(".py")
    }
    memo = Memo(
        itself=_uvbake_itself(root, today),
        outputs={name: text_digest(text) for name, text in outputs.items()},
        lines=lines,
        named=named,
        walk=walk,
        facts={**every, **facts},
        sums={},
        cwds=finds(root, Path.cwd()),
    )
    return _trusted(memo, top=top, walk=walk, started_ns=started_ns)


def finds(root: Path, here: Path) -> frozenset[str]:
    """{`here`, resolved} when a plain `uvbake generate` run from `here` finds `root` (resolved)
    as uv finds a workspace, from pyproject.toml files between the two that the memory's
    walk holds (none inside a folder the walk skips); else nothing."""
    from uvbake.load.rootfind import find_root

    here = here.resolve()
    if find_root(here) != root or any(part in SKIP for part in here.relative_to(root).parts):
        return frozenset()
    return frozenset({str(here)})


def _trusted(memo: Memo, *, top: Path, walk: Walk, started_ns: int) -> Memo:
    """`memo` holding `walk`, each file too new to trust by its time recorded as RACY, with
    the digest of its bytes when it is not a Python file (whose facts are what the run read)
    and was not modified after the run started (the run may have read it before that)."""
    newest = started_ns - RACY_NS
    files: dict[str, tuple[int, int]] = {}
    sums: dict[str, str] = {}
    for rel, (size, mtime) in walk.files.items():
        if mtime <= newest:
            files[rel] = (size, mtime)
            continue
        files[rel] = (size, RACY)
        if rel not in memo.facts and mtime < started_ns:
            digest = _file_digest(top / rel)
            if digest is not None:
                sums[rel] = digest
    return replace(memo, walk=Walk(folders=walk.folders, files=files), sums=sums)


def dumps(memo: Memo) -> str:
    return json.dumps(
        {
            "version": VERSION,
            "itself": memo.itself,
            "outputs": dict(memo.outputs),
            "lines": [[line.kind, line.text] for line in memo.lines],
            "named": sorted(memo.named),
            "folders": list(memo.walk.folders),
            "files": {rel: list(st) for rel, st in memo.walk.files.items()},
            "facts": {rel: list(fact) for rel, fact in sorted(memo.facts.items())},
            "sums": dict(memo.sums),
            "cwds": sorted(memo.cwds),
        },
        separators=(",", ":"),
    )


def loads(text: str) -> Memo | None:
    """The memory a text holds; None when it is not one of this version."""
    try:
        data: Any = json.loads(text)
        if data.get("version") != VERSION:
            return None
        return Memo(
            itself=str(data["itself"]),
            outputs={str(k): str(v) for k, v in data["outputs"].items()},
            lines=tuple(Line(kind=str(k), text=str(t)) for k, t in data["lines"]),
            named=frozenset(str(n) for n in data["named"]),
            walk=Walk(
                folders=tuple(str(f) for f in data["folders"]),
                files={str(k): (int(s), int(t)) for k, (s, t) in data["files"].items()},
            ),
            facts={
                str(k): (None if m is None else str(m), bool(f), bool(d))
                for k, (m, f, d) in data["facts"].items()
            },
            sums={str(k): str(v) for k, v in data["sums"].items()},
            cwds=frozenset(str(c) for c in data["cwds"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


@dataclass(frozen=True)
class Recalled:
    """A memory that holds, and the memory to keep now (`renewed`: the same memory with the
    files' new times and the folder the run came from; None when nothing changed)."""

    memo: Memo
    renewed: Memo | None


def _changed(memo: Memo, walk: Walk) -> Iterator[str]:
    for rel, st in walk.files.items():
        if memo.walk.files.get(rel) != st:
            yield rel


def _same(rel: str, *, memo: Memo, top: Path, root: Path) -> bool:
    """Whether the changed file `rel` still gives the run what it gave it."""
    if rel in memo.sums:
        return _file_digest(top / rel) == memo.sums[rel]
    recorded = memo.facts.get(rel)
    if recorded is None:
        return False
    # the scan is imported only now: a run where no Python file changed needs none of it
    from uvbake.scan.facts import Fact, current

    was = Fact(*recorded)
    if was.declares:
        return False
    return current(top, rel, root=root, was=was, named=memo.named) == was


def recall(root: Path, *, started_ns: int, here: Path | None = None) -> Recalled | None:
    """The memory of `root`, when it holds and its generated files are unchanged; else None.
    `here`: the folder the run came from (the current one by default)."""
    root = root.resolve()
    try:
        memo = loads(place(root).read_text(encoding="utf-8"))
        if memo is None:
            return None
        for name, expected in memo.outputs.items():
            if text_digest((root / name).read_text(encoding="utf-8")) != expected:
                return None
    except OSError:
        return None
    if _uvbake_itself(root, None) != memo.itself:
        return None
    top = git.checkout_top(root)
    walk = _walk(top, outputs=frozenset(root / name for name in memo.outputs))
    if walk.folders != memo.walk.folders or walk.files.keys() != memo.walk.files.keys():
        return None
    changed = list(_changed(memo, walk))
    if not all(_same(rel, memo=memo, top=top, root=root) for rel in changed):
        return None
    cwds = memo.cwds | finds(root, here or Path.cwd())
    if not changed and cwds == memo.cwds:
        return Recalled(memo=memo, renewed=None)
    kept = _trusted(memo, top=top, walk=walk, started_ns=started_ns) if changed else memo
    return Recalled(memo=memo, renewed=replace(kept, cwds=cwds))
