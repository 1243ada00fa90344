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
from urllib.parse import parse_qsl, urlsplit

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from uvbake.uvlock import markers

TREES = ("editable", "virtual", "directory", "path")
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


@dataclass(frozen=True)
class Declared:
    """One workspace member as its pyproject.toml declares it."""

    name: str
    path: PurePosixPath  # relative to the root
    pyproject: str
    data: Mapping[str, Any]


@dataclass(frozen=True)
class Entry:
    key: tuple[str, frozenset[str], SpecifierSet, tuple[str, ...]]
    marker: str | None
    text: str


def compare(
    declared: list[Entry], recorded: list[Entry], extras: tuple[str, ...], pythons: Pythons
) -> str:
    """ "" when both sides hold the same requirements, else what differs, briefly. Markers are
    compared as written first, and by their values only when that finds a difference."""
    loose = {e.key[0] for e in [*declared, *recorded] if e.key[3] == ("loose",)}

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
    except Exception:  # an invalid or unknown marker: compared as written
        return marker
    return () if all(values) else values


def environments(extras: tuple[str, ...], pythons: Pythons) -> Iterator[dict[str, str]]:
    for python, platform, impl, extra in itertools.product(
        pythons, PLATFORMS, IMPLEMENTATIONS, ("", *extras)
    ):
        yield markers.environment(
            python=python, platform=platform, implementation=impl, extra=extra
        )


def _from(source: tuple[str, ...]) -> str:
    """Where a requirement comes from, as the messages show it (nothing for an index)."""
    if source[0] in ("tree", "git", "url"):
        return f" (from {source[1]})"
    if source[0] == "index":
        return f" (from index {source[1]})"
    return ""


def tree_class(kind: str, path: str, members: Collection[str]) -> str:
    """Editable or not; "member" for a workspace member, whose kind its own package decides."""
    if path in members:
        return "member"
    return "editable" if kind == "editable" else "built"


def recorded(raw: Any, members: Collection[str]) -> list[Entry]:
    """uv.lock's records of requirements: tables with name, extras, specifier, marker and
    at most one source key."""
    out = []
    for item in raw if isinstance(raw, list) else ():
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        name = canonicalize_name(item["name"])
        extras = frozenset(canonicalize_name(e) for e in item.get("extras", []))
        spec = SpecifierSet(item.get("specifier", ""))
        source: tuple[str, ...] = ("registry",)
        for kind in TREES:
            if isinstance(item.get(kind), str):
                path = PurePosixPath(item[kind]).as_posix()
                source = ("tree", path, tree_class(kind, path, members))
        if isinstance(item.get("git"), str):
            source = git_source(item["git"], item.get("subdirectory"))
        if isinstance(item.get("url"), str):
            source = ("url", item["url"], str(item.get("subdirectory") or ""))
        if isinstance(item.get("index"), str):
            source = ("index", item["index"].rstrip("/"))
        marker = item.get("marker")
        text = name + (f"[{','.join(sorted(extras))}]" if extras else "") + str(spec)
        text += f"; {marker}" if marker else ""
        out.append(Entry((name, extras, spec, source), marker, text + _from(source)))
    return out


def git_source(
    url: str, subdirectory: Any = None, ref: tuple[str, str] | None = None
) -> tuple[str, ...]:
    """A git source as (git, repository, ref, subdirectory), however it is spelled."""
    parts = urlsplit(url.removeprefix("git+"))
    query = dict(parse_qsl(parts.query))
    base = f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/").removesuffix(".git")
    if ref is None:
        ref = next(((k, query[k]) for k in ("rev", "tag", "branch") if k in query), ("", ""))
    sub = str(subdirectory or query.get("subdirectory", ""))
    return ("git", base, f"{ref[0]}={ref[1]}" if ref[1] else "", sub)


def sources(data: Mapping[str, Any], root_data: Mapping[str, Any]) -> dict[str, Any]:
    """[tool.uv.sources] of the workspace root, overridden by the member's own."""
    out: dict[str, Any] = {}
    for table in (root_data, data):
        sources = table.get("tool", {}).get("uv", {}).get("sources", {})
        if isinstance(sources, dict):
            out.update({canonicalize_name(k): v for k, v in sources.items()})
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
        spec = req.specifier if source[0] in ("registry", "index") else SpecifierSet()
        return Entry((name, extras, spec, source), marker, text + _from(source))

    def source(self, name: str, req: Requirement) -> tuple[str, ...]:
        if req.url or name == self.member.name:  # a direct URL, or the member's own extras
            return ("loose",)
        spec = self.sources.get(name)
        if spec is None:
            return ("registry",)
        known = {"workspace", "path", "editable", "git", "url", "index", "subdirectory"}
        known |= {"rev", "tag", "branch", "package", "lfs"}
        if not isinstance(spec, dict) or set(spec) - known:
            return ("loose",)
        if spec.get("workspace") is True:
            path = self.paths.get(name)
            return ("tree", path, "member") if path is not None else ("loose",)
        if isinstance(spec.get("path"), str):
            folder = self.root / self.member.path
            full = os.path.normpath(folder / spec["path"])
            path = Path(os.path.relpath(full, self.root)).as_posix()
            kind = "editable" if spec.get("editable") is True else "path"
            return ("tree", path, tree_class(kind, path, self.paths.values()))
        if isinstance(spec.get("git"), str):
            ref = next(((k, str(spec[k])) for k in ("rev", "tag", "branch") if k in spec), None)
            return git_source(spec["git"], spec.get("subdirectory"), ref or ("", ""))
        if isinstance(spec.get("url"), str):
            return ("url", spec["url"], str(spec.get("subdirectory") or ""))
        if isinstance(spec.get("index"), str):
            return ("loose",) if (url := self.index(spec["index"])) is None else ("index", url)
        return ("loose",)

    def index(self, name: str) -> str | None:
        """The URL uv records for the index `name` ([[tool.uv.index]] of the member or root)."""
        scopes = ((self.member.path, self.member.data), (PurePosixPath("."), self.root_data))
        for folder, data in scopes:
            tables = (data or {}).get("tool", {}).get("uv", {}).get("index", [])
            for table in tables if isinstance(tables, list) else ():
                if isinstance(table, dict) and table.get("name") == name:
                    url = str(table.get("url", ""))
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
    return Entry((name, extras, req.specifier, ("registry",)), marker, text)


def declared(project: Mapping[str, Any], lowering: Lowering) -> list[Entry]:
    out = [lowering.entry(text) for text in project.get("dependencies", [])]
    optional = project.get("optional-dependencies", {})
    for extra, items in optional.items():
        out += [lowering.entry(text, extra=canonicalize_name(extra)) for text in items]
    return out


def groups(data: Mapping[str, Any], lowering: Lowering) -> dict[str, list[Entry]]:
    raw = data.get("dependency-groups", {})
    raw = {canonicalize_name(k): v for k, v in raw.items()} if isinstance(raw, dict) else {}

    def flat(group: str, seen: tuple[str, ...]) -> list[str]:
        if group in seen:
            raise ValueError(f"dependency group cycle at {group}")
        out: list[str] = []
        for item in raw.get(group, []):
            if isinstance(item, dict):
                out += flat(canonicalize_name(item["include-group"]), (*seen, group))
            else:
                out.append(item)
        return out

    groups: dict[str, list[Entry]] = {g: [lowering.entry(t) for t in flat(g, ())] for g in raw}
    dev = data.get("tool", {}).get("uv", {}).get("dev-dependencies", [])
    if dev:
        groups["dev"] = [*groups.get("dev", []), *(lowering.entry(t) for t in dev)]
    return {g: entries for g, entries in groups.items() if entries}
