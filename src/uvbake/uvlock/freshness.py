"""Whether uv.lock still matches the pyproject.toml files, told offline and without uv.

uv records what each workspace member declared when it locked: `[package.metadata]`
`requires-dist` (dependencies and optional dependencies, with their sources lowered),
`provides-extras` and `requires-dev` (dependency groups), the members and requires-python.
`uv lock --check` compares those records with the pyproject files; this module does the
same for the parts a pyproject states statically, so `generate` (and `--check`) fails on a
lock that `uv lock` would change.

Markers are compared by their value over a grid of environments (uv rewrites them, e.g.
`python_version < '3.11'` as `python_full_version < '3.11'`); a source uvbake cannot lower
exactly (a list of sources, or one conditional on an extra, group or marker) is compared by
the dependency's name only, so a difference there is never a false alarm.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.markers import InvalidMarker
from packaging.requirements import InvalidRequirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from uvbake import tomlfile
from uvbake.errors import UvbakeError
from uvbake.uvlock import entries as le
from uvbake.uvlock.lock import (
    PROJECT_KINDS,
    RELOCK,
    TREE_KINDS,
    Lock,
    LockedPackage,
    SourceKind,
)


def stale(
    root: Path, members: Iterable[le.Declared], lock: Lock, *, root_data: Mapping[str, Any]
) -> UvbakeError | None:
    """The first difference between the members' pyproject files and uv.lock, or None.
    `root_data` is the root pyproject, whose [tool.uv.sources] apply to every member. A table
    of either that is not the shape uv reads is an error naming the file."""
    try:
        return _stale(root, list(members), lock, root_data=root_data)
    except le.Malformed as error:
        return UvbakeError(error.where, error.problem, error.fix)


def _stale(
    root: Path, members: list[le.Declared], lock: Lock, *, root_data: Mapping[str, Any]
) -> UvbakeError | None:
    problem = _requires_python(members, lock, absent=bool(lock.members - {m.name for m in members}))
    if problem:
        return _error(lock, problem)
    problem = _manifest(root_data, lock)
    if problem:
        return _error(lock, problem)
    paths = {m.name: m.path.as_posix() for m in members}
    for name in lock.members - set(paths):
        path = lock.member_path(name)
        if path is not None:
            paths[name] = PurePosixPath(path).as_posix()
    written = _written_by_uv(lock)
    if "project" not in root_data and written:
        problem = _root_groups(root, root_data, paths, lock)
        if problem:
            return _error(lock, f"pyproject.toml {problem}")
    for member in members:
        problem = _member(root, member, paths, root_data, lock, written=written)
        if problem:
            return _error(lock, f"{member.pyproject} {problem}")
    return None


def _error(lock: Lock, problem: str) -> UvbakeError:
    return UvbakeError(lock.display, f"is out of date: {problem}", RELOCK)


def _requires_python(members: list[le.Declared], lock: Lock, *, absent: bool) -> str | None:
    """uv locks the intersection of every member's requires-python. With locked members absent
    from the checkout (`absent`), theirs is unknown: the lock may then allow less, not more."""
    declared = [
        m.data["project"]["requires-python"]
        for m in members
        if isinstance(m.data.get("project"), dict)
        and isinstance(m.data["project"].get("requires-python"), str)
    ]
    if not declared or lock.requires_python is None:
        return None
    try:
        allowed = [set(_matching(text)) for text in set(declared)]
        locked = _matching(lock.requires_python)
    except InvalidSpecifier:
        return None
    expected = [v for v in le.PYTHONS if all(v in a for a in allowed)]
    if (set(locked) - set(expected)) if absent else expected != list(locked):
        joined = ", ".join(sorted(set(declared)))
        return f"it records requires-python '{lock.requires_python}', the members ask {joined}"
    return None


# [project] keys a build backend may compute, which only a build can tell.
DYNAMIC = frozenset({"dependencies", "optional-dependencies"})

# [tool.uv] keys of the root pyproject and the [manifest] key where uv.lock records each.
# (`uv lock --check` of uv 0.13 leaves constraint-dependencies out, and so does uvbake.)
MANIFEST = {"override-dependencies": "overrides"}


def _manifest(root_data: Mapping[str, Any], lock: Lock) -> str | None:
    """The root's overrides against uv.lock's [manifest]."""
    uv = tomlfile.table(root_data, "tool.uv")
    for key, recorded in MANIFEST.items():
        what = f"[tool.uv] {key}"
        texts = le.strings(uv.get(key, []), "pyproject.toml", what, fix=le.REQUIREMENTS)
        raw = lock.manifest.get(recorded, [])
        try:
            declared = [le.plain_entry(text) for text in texts]
            locked = le.recorded(raw, (), where=lock.display, what=f"[manifest] {recorded}")
            found = le.compare(declared, locked, (), _pythons(lock))
        except (InvalidRequirement, InvalidSpecifier):
            return None  # a requirement packaging cannot read: no verdict
        if found:
            return f"pyproject.toml [tool.uv] {key} declares {found}"
    return None


def _root_groups(
    root: Path, root_data: Mapping[str, Any], paths: Mapping[str, str], lock: Lock
) -> str | None:
    """A root without [project]: its dependency groups are in uv.lock's [manifest]."""
    me = le.Declared("", PurePosixPath("."), "pyproject.toml", root_data)
    lowering = le.Lowering(root, me, paths, le.sources(root_data, root_data), root_data)
    what = "[manifest] dependency-groups"
    raw = le.mapping(lock.manifest.get("dependency-groups", {}), lock.display, what)
    try:
        groups = le.groups(root_data, lowering)
        locked: dict[str, list[le.Entry]] = {
            canonicalize_name(k): le.recorded(
                v, set(paths.values()), where=lock.display, what=f"{what} {k}"
            )
            for k, v in raw.items()
        }
        for group in sorted(set(groups) | {g for g, entries in locked.items() if entries}):
            found = le.compare(groups.get(group, []), locked.get(group, []), (), _pythons(lock))
            if found:
                return f"declares in dependency group '{group}' {found}"
    except (InvalidRequirement, InvalidMarker, InvalidSpecifier):
        return None  # a requirement packaging cannot read: no verdict
    return None


def _written_by_uv(lock: Lock) -> bool:
    """uv writes [package.metadata] for every member that declares anything, so a lock with
    none for any member that has dependencies was not written by uv: its declarations are
    unknown and only members, versions and requires-python are compared."""
    trees = [p for p in lock.packages if p.metadata or p.source_kind in TREE_KINDS]
    if any(p.metadata for p in trees):
        return True
    return not any(p.dependencies or p.optional or p.dev_groups for p in trees)


def _locked(lock: Lock, name: str) -> LockedPackage | None:
    return next((p for p in lock.candidates(name) if p.source_kind in PROJECT_KINDS), None)


def _member(
    root: Path,
    member: le.Declared,
    paths: Mapping[str, str],
    root_data: Mapping[str, Any],
    lock: Lock,
    *,
    written: bool,
) -> str | None:
    package = _locked(lock, member.name)
    if package is None:
        return None  # missing from the lock: named elsewhere
    project = member.data.get("project", {})
    version = project.get("version")
    if isinstance(version, str) and package.version is not None:
        try:
            if Version(version) != Version(package.version):
                return f"has version {version}, uv.lock has {package.version}"
        except InvalidVersion:
            return None
    uv = tomlfile.table(member.data, "tool.uv")
    if uv.get("package") is False and package.source_kind is not SourceKind.VIRTUAL:
        return "sets [tool.uv] package = false, uv.lock builds it"
    if package.source_kind is SourceKind.VIRTUAL and (
        uv.get("package") is True or ("build-system" in member.data and "package" not in uv)
    ):
        return "is a package, uv.lock has it as virtual"
    dynamic = project.get("dynamic", [])
    if not written or (isinstance(dynamic, list) and DYNAMIC.intersection(dynamic)):
        return None  # declarations unknown here: a lock not from uv, or a build computes them
    try:
        recorded = tomlfile.loads(package.metadata).get("package", {}).get("metadata", {})
    except tomlfile.TOMLDecodeError:
        return None
    lowering = le.Lowering(root, member, paths, le.sources(member.data, root_data), root_data)
    try:
        return _requirements(project, member.data, recorded, lowering, _pythons(lock), lock)
    except (InvalidRequirement, InvalidMarker, InvalidSpecifier):
        return None  # a requirement packaging cannot read: no verdict


def _pythons(lock: Lock) -> le.Pythons:
    return _allowed(lock.requires_python or "")


def _allowed(requires_python: str) -> le.Pythons:
    """The Pythons of the marker grid that requires-python allows (all, when it is broken)."""
    try:
        return _matching(requires_python) or le.PYTHONS
    except InvalidSpecifier:
        return le.PYTHONS


@functools.lru_cache(maxsize=64)
def _matching(requires_python: str) -> le.Pythons:
    """The Pythons of the grid a requires-python allows; InvalidSpecifier when it is broken."""
    spec = SpecifierSet(requires_python)
    return tuple(v for v in le.PYTHONS if spec.contains(v))


def _requirements(
    project: Mapping[str, Any],
    data: Mapping[str, Any],
    recorded: Mapping[str, Any],
    lowering: le.Lowering,
    pythons: le.Pythons,
    lock: Lock,
) -> str | None:
    members = set(lowering.paths.values())
    what = f"[package.metadata] of '{lowering.member.name}'"

    def locked(raw: Any, key: str) -> list[le.Entry]:
        return le.recorded(raw, members, where=lock.display, what=f"{what} {key}")

    declared = le.declared(project, lowering)
    extras = sorted({canonicalize_name(e) for e in project.get("optional-dependencies", {})})
    found = le.compare(
        declared, locked(recorded.get("requires-dist", []), "requires-dist"), (*extras,), pythons
    )
    if found:
        return f"declares {found}"
    provided = recorded.get("provides-extras", [])
    locked_extras = sorted(
        canonicalize_name(e) for e in le.strings(provided, lock.display, f"{what} provides-extras")
    )
    if extras != locked_extras:
        return (
            f"declares the extras [{', '.join(extras)}] where uv.lock has "
            f"[{', '.join(locked_extras)}]"
        )
    groups = le.groups(data, lowering)
    dev = le.mapping(recorded.get("requires-dev", {}), lock.display, f"{what} requires-dev")
    locked_groups: dict[str, list[le.Entry]] = {
        canonicalize_name(k): entries
        for k, v in dev.items()
        if (entries := locked(v, f"requires-dev {k}"))
    }
    for group in sorted(set(groups) | set(locked_groups)):
        found = le.compare(groups.get(group, []), locked_groups.get(group, []), (), pythons)
        if found:
            return f"declares in dependency group '{group}' {found}"
    return None


def declared_members(
    root: Path, loaded: Mapping[Path, Mapping[str, Any]], names: Mapping[Path, str]
) -> list[le.Declared]:
    """le.Declared records of loaded pyproject files: {folder: data} and {folder: name}."""
    out = []
    for folder, data in loaded.items():
        rel = PurePosixPath(folder.relative_to(root).as_posix())
        out.append(le.Declared(names[folder], rel, (rel / "pyproject.toml").as_posix(), data))
    return out
