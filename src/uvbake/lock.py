"""uv.lock as frozen records, read with tomllib (never by calling uv)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from .errors import UvbakeError
from .tomlfile import read_toml

RELOCK = "run `uv lock` in the workspace root"


@dataclass(frozen=True)
class LockedDep:
    """One edge of the lock graph: `name` (with `version` when the lock holds several)."""

    name: str
    version: str | None
    marker: str | None
    extras: tuple[str, ...]


@dataclass(frozen=True)
class LockedPackage:
    name: str
    version: str | None
    source: Mapping[str, str]
    dependencies: tuple[LockedDep, ...]
    optional: Mapping[str, tuple[LockedDep, ...]]

    @property
    def source_kind(self) -> str:
        """registry, editable, virtual, directory, git, url or path."""
        return next(iter(self.source), "registry")


@dataclass(frozen=True)
class Lock:
    path: Path
    requires_python: str | None
    members: frozenset[str]
    packages: tuple[LockedPackage, ...]
    display: str = "uv.lock"

    @cached_property
    def _by_name(self) -> dict[str, list[LockedPackage]]:
        index: dict[str, list[LockedPackage]] = {}
        for package in self.packages:
            index.setdefault(package.name, []).append(package)
        return index

    def candidates(self, name: str) -> list[LockedPackage]:
        return list(self._by_name.get(name, ()))

    def resolve(self, dep: LockedDep) -> LockedPackage:
        found = self.candidates(dep.name)
        if dep.version is not None:
            found = [p for p in found if p.version == dep.version] or found
        if not found:
            raise UvbakeError(self.display, f"no package '{dep.name}' is locked", RELOCK)
        return found[0]


def _deps(raw: Any, where: str, owner: str) -> tuple[LockedDep, ...]:
    if not isinstance(raw, list):
        raise UvbakeError(
            where, f"package '{owner}' has a dependency list that is not a list", RELOCK
        )
    out = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise UvbakeError(where, f"package '{owner}' has a dependency without a name", RELOCK)
        extras = item.get("extra", [])
        if not isinstance(extras, list) or not all(isinstance(e, str) for e in extras):
            raise UvbakeError(where, f"package '{owner}' has malformed extras", RELOCK)
        out.append(
            LockedDep(
                name=canonicalize_name(item["name"]),
                version=item.get("version"),
                marker=item.get("marker"),
                extras=tuple(sorted(canonicalize_name(e) for e in extras)),
            )
        )
    return tuple(out)


def load_lock(path: Path, *, display: str) -> Lock:
    data = read_toml(path, display=display, fix=RELOCK)
    if "version" not in data or not isinstance(data.get("package", []), list):
        raise UvbakeError(display, "is not a uv lockfile", RELOCK)
    packages = []
    for raw in data.get("package", []):
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise UvbakeError(display, "has a [[package]] entry without a name", RELOCK)
        name = canonicalize_name(raw["name"])
        source = raw.get("source", {})
        optional = raw.get("optional-dependencies", {})
        if not isinstance(source, dict) or not isinstance(optional, dict):
            raise UvbakeError(display, f"package '{name}' has a malformed entry", RELOCK)
        packages.append(
            LockedPackage(
                name=name,
                version=raw.get("version"),
                source={str(k): str(v) for k, v in source.items()},
                dependencies=_deps(raw.get("dependencies", []), display, name),
                optional={
                    canonicalize_name(k): _deps(v, display, name)
                    for k, v in sorted(optional.items())
                },
            )
        )
    manifest = data.get("manifest", {})
    members = manifest.get("members", []) if isinstance(manifest, dict) else []
    if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
        raise UvbakeError(display, "[manifest] members is not a list of names", RELOCK)
    return Lock(
        path=path,
        requires_python=data.get("requires-python"),
        members=frozenset(canonicalize_name(m) for m in members),
        packages=tuple(packages),
        display=display,
    )
