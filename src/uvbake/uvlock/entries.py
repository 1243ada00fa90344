"""Requirements reduced to what uv.lock records of them, and compared: a declared one is
lowered through [tool.uv.sources] as uv lowers it; markers are compared as written, then by
their values over a grid of interpreters and platforms."""

from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from uvbake.tomlfile import table
from uvbake.uvlock import markers
from uvbake.uvlock.lock import RELOCK, TREE_KINDS, SourceKind
from uvbake.uvlock.sources import (
    LOOSE,
    REGISTRY,
    Index,
    Loose,
    Registry,
    Source,
    Tree,
    TreeRole,
    Url,
    git_source,
)

# Interpreters and platforms over which two markers must agree to be the same marker.
PYTHONS = tuple(f"3.{minor}.{patch}" for minor in range(6, 17) for patch in (0, 1, 2, 5, 99))
PLATFORMS: tuple[markers.Platform, ...] = (
    markers.linux("x86_64"),
    markers.linux("aarch64"),
    ("win32", "Windows", "nt", "AMD64"),
    ("darwin", "Darwin", "posix", "arm64"),
    ("darwin", "Darwin", "posix", "x86_64"),
)
IMPLEMENTATIONS: tuple[markers.Implementation, ...] = (markers.CPYTHON, ("pypy", "PyPy"))

Pythons = tuple[str, ...]


class Malformed(ValueError):
    """A table of a pyproject.toml or of uv.lock that is not the shape uv reads (uv refuses
    the file as well): `where` names the file, `problem` the table and what is wrong."""

    def __init__(self, where: str, problem: str, fix: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem
        self.fix = fix


REQUIREMENTS = 'write it as a list of requirements, such as ["httpx>=0.27"]'


@dataclass(frozen=True)
class Declared:
    """One workspace member as its pyproject.toml declares it."""

    name: str
    path: PurePosixPath  # relative to the root
    pyproject: str
    data: Mapping[str, Any]


@dataclass(frozen=True)
class Entry:
    key: tuple[str, frozenset[str], SpecifierSet, Source]
    marker: str | None
    text: str


def compare(
    declared: list[Entry], recorded: list[Entry], extras: tuple[str, ...], pythons: Pythons
) -> str:
    """ "" when both sides hold the same requirements, else what differs, briefly. Markers are
    compared as written first, and by their values only when that finds a difference."""
    loose = {e.key[0] for e in [*declared, *recorded] if isinstance(e.key[3], Loose)}

    def key(e: Entry, exact: bool) -> tuple[Any, ...]:
        if e.key[0] in loose:
            return (e.key[0],)
        if exact:
            return (*e.key, written(e.marker))
        return (*e.key, truth(e.marker, extras, pythons))

    for exact in (True, False):
        mine = {key(e, exact) for e in declared}
        theirs = {key(e, exact) for e in recorded}
        if mine == theirs:
            return ""
    new = sorted(e.text for e in declared if key(e, False) not in theirs)
    old = sorted(e.text for e in recorded if key(e, False) not in mine)
    return f"{', '.join(new) or 'nothing'} where uv.lock has {', '.join(old) or 'nothing'}"


@functools.lru_cache(maxsize=4096)
def written(marker: str | None) -> str:
    if not marker:
        return ""
    try:
        return str(Marker(marker))
    except InvalidMarker:
        return marker


@functools.lru_cache(maxsize=4096)
def truth(marker: str | None, extras: tuple[str, ...], pythons: Pythons) -> tuple[bool, ...] | str:
    """A marker's value in every environment of the grid (True everywhere when absent)."""
    if not marker:
        return ()
    try:
        parsed = Marker(marker)
        values = tuple(parsed.evaluate(env) for env in environments(extras, pythons))
    except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName):
        # an invalid marker, or one on a value the grid does not hold: compared as written
        return marker
    return () if all(values) else values


def environments(extras: tuple[str, ...], pythons: Pythons) -> Iterator[dict[str, str]]:
    for python, platform, impl, extra in itertools.product(
        pythons, PLATFORMS, IMPLEMENTATIONS, ("", *extras)
    ):
        yield markers.environment(
            python=python, platform=platform, implementation=impl, extra=extra
        )


def strings(value: Any, where: str, what: str, *, fix: str = RELOCK) -> list[str]:
    """`value`, a list of strings; else Malformed naming `what`."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Malformed(where, f"{what} is not a list of strings", fix)
    return value


def mapping(value: Any, where: str, what: str, *, fix: str = RELOCK) -> Mapping[str, Any]:
    """`value`, a table; else Malformed naming `what`."""
    if not isinstance(value, dict):
        raise Malformed(where, f"{what} is not a table", fix)
    return value


def _role(kind: SourceKind, path: str, members: Collection[str]) -> TreeRole:
    if path in members:
        return "member"
    return "editable" if kind is SourceKind.EDITABLE else "built"


def recorded(raw: Any, members: Collection[str], *, where: str, what: str) -> list[Entry]:
    """uv.lock's records of requirements (`what`, in the file `where`): tables with name,
    extras, specifier, marker and at most one source key."""
    out = []
    for item in raw if isinstance(raw, list) else ():
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        name = canonicalize_name(item["name"])
        shown = f"{what}: {name}"
        extras = frozenset(
            canonicalize_name(e) for e in strings(item.get("extras", []), where, f"{shown} extras")
        )
        specifier, marker = item.get("specifier", ""), item.get("marker")
        if not isinstance(specifier, str) or not isinstance(marker, str | None):
            raise Malformed(
                where, f"{shown} has a specifier or marker that is not a string", RELOCK
            )
        spec = SpecifierSet(specifier)
        source: Source = REGISTRY
        for kind in TREE_KINDS:
            if isinstance(item.get(kind), str):
                path = PurePosixPath(item[kind]).as_posix()
                source = Tree(path, _role(kind, path, members))
        if isinstance(item.get(SourceKind.GIT), str):
            source = git_source(item[SourceKind.GIT], item.get("subdirectory"))
        if isinstance(item.get(SourceKind.URL), str):
            source = Url(item[SourceKind.URL], str(item.get("subdirectory") or ""))
        if isinstance(item.get("index"), str):
            source = Index(item["index"].rstrip("/"))
        text = name + (f"[{','.join(sorted(extras))}]" if extras else "") + str(spec)
        text += f"; {marker}" if marker else ""
        out.append(Entry((name, extras, spec, source), marker, text + source.shown()))
    return out


def sources(data: Mapping[str, Any], root_data: Mapping[str, Any]) -> dict[str, Any]:
    """[tool.uv.sources] of the workspace root, overridden by the member's own."""
    out: dict[str, Any] = {}
    for scope in (root_data, data):
        out.update({canonicalize_name(k): v for k, v in table(scope, "tool.uv.sources").items()})
    return out


@dataclass(frozen=True)
class Lowering:
    root: Path
    member: Declared
    paths: Mapping[str, str]
    sources: Mapping[str, Any]
    root_data: Mapping[str, Any]

    def entry(self, text: str, *, extra: str | None = None) -> Entry:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        marker = str(req.marker) if req.marker else None
        if extra is not None:
            marker = f"({marker}) and extra == '{extra}'" if marker else f"extra == '{extra}'"
        source = self.source(name, req)
        extras = frozenset(canonicalize_name(e) for e in req.extras)
        # uv records no version bound for a dependency it takes from a folder, git or a URL
        spec = req.specifier if isinstance(source, Registry | Index) else SpecifierSet()
        return Entry((name, extras, spec, source), marker, text + source.shown())

    def source(self, name: str, req: Requirement) -> Source:
        if req.url or name == self.member.name:  # a direct URL, or the member's own extras
            return LOOSE
        spec = self.sources.get(name)
        if spec is None:
            return REGISTRY
        known = {"workspace", "path", "editable", "git", "url", "index", "subdirectory"}
        known |= {"rev", "tag", "branch", "package", "lfs"}
        if not isinstance(spec, dict) or set(spec) - known:
            return LOOSE
        if spec.get("workspace") is True:
            path = self.paths.get(name)
            return Tree(path, "member") if path is not None else LOOSE
        if isinstance(spec.get("path"), str):
            folder = self.root / self.member.path
            full = os.path.normpath(folder / spec["path"])
            path = Path(os.path.relpath(full, self.root)).as_posix()
            kind = SourceKind.EDITABLE if spec.get("editable") is True else SourceKind.PATH
            return Tree(path, _role(kind, path, self.paths.values()))
        if isinstance(spec.get("git"), str):
            ref = next(((k, str(spec[k])) for k in ("rev", "tag", "branch") if k in spec), None)
            return git_source(spec["git"], spec.get("subdirectory"), ref or ("", ""))
        if isinstance(spec.get("url"), str):
            return Url(spec["url"], str(spec.get("subdirectory") or ""))
        if isinstance(spec.get("index"), str):
            url = self.index(spec["index"])
            return LOOSE if url is None else Index(url)
        return LOOSE

    def index(self, name: str) -> str | None:
        """The URL uv records for the index `name` ([[tool.uv.index]] of the member or root)."""
        scopes = ((self.member.path, self.member.data), (PurePosixPath("."), self.root_data))
        for folder, data in scopes:
            tables = table(data or {}, "tool.uv").get("index", [])
            for found in tables if isinstance(tables, list) else ():
                if isinstance(found, dict) and found.get("name") == name:
                    url = str(found.get("url", ""))
                    if "://" in url:
                        return url.rstrip("/")
                    return (self.root / folder / url).resolve().as_uri()
        return None


def plain_entry(text: str) -> Entry:
    """A requirement no source applies to (a constraint or an override)."""
    req = Requirement(text)
    name = canonicalize_name(req.name)
    extras = frozenset(canonicalize_name(e) for e in req.extras)
    marker = str(req.marker) if req.marker else None
    return Entry((name, extras, req.specifier, REGISTRY), marker, text)


def declared(project: Mapping[str, Any], lowering: Lowering) -> list[Entry]:
    where = lowering.member.pyproject
    out = [lowering.entry(text) for text in project.get("dependencies", [])]
    what = "[project.optional-dependencies]"
    fix = 'write one list of requirements per extra, such as aws = ["boto3"]'
    optional = mapping(project.get("optional-dependencies", {}), where, what, fix=fix)
    for extra, items in optional.items():
        texts = strings(items, where, f"{what} {extra}", fix=REQUIREMENTS)
        out += [lowering.entry(text, extra=canonicalize_name(extra)) for text in texts]
    return out


def groups(data: Mapping[str, Any], lowering: Lowering) -> dict[str, list[Entry]]:
    where = lowering.member.pyproject
    raw = data.get("dependency-groups", {})
    raw = {canonicalize_name(k): v for k, v in raw.items()} if isinstance(raw, dict) else {}

    def flat(group: str, seen: tuple[str, ...]) -> list[str]:
        what = f"[dependency-groups] {group}"
        if group in seen:
            raise Malformed(where, f"{what} includes itself", "drop the include-group of the loop")
        items = raw.get(group, [])
        if not isinstance(items, list):
            raise Malformed(where, f"{what} is not a list", REQUIREMENTS)
        out: list[str] = []
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("include-group"), str):
                out += flat(canonicalize_name(item["include-group"]), (*seen, group))
            elif isinstance(item, str):
                out.append(item)
            else:
                fix = 'list requirements and { include-group = "NAME" } tables only'
                raise Malformed(where, f"{what} holds {item!r}", fix)
        return out

    groups: dict[str, list[Entry]] = {g: [lowering.entry(t) for t in flat(g, ())] for g in raw}
    uv = table(data, "tool.uv")
    what = "[tool.uv] dev-dependencies"
    dev = strings(uv.get("dev-dependencies", []), where, what, fix=REQUIREMENTS)
    if dev:
        groups["dev"] = [*groups.get("dev", []), *(lowering.entry(t) for t in dev)]
    return {g: entries for g, entries in groups.items() if entries}
