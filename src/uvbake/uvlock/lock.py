"""uv.lock as frozen records, read with tomllib (never by calling uv)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from packaging.utils import canonicalize_name

from uvbake.errors import UvbakeError
from uvbake.tomlfile import parse_toml_text, read_toml_text

RELOCK = "run `uv lock` in the workspace root"
DEFAULT_INDEX = "https://pypi.org/simple"


class SourceKind(str, Enum):
    """Where uv.lock says a package comes from: the one key of its `source` table."""

    REGISTRY = "registry"  # an index: a URL, or a folder for a flat index
    GIT = "git"
    URL = "url"  # a direct URL to a wheel or an sdist
    PATH = "path"  # a wheel or an sdist in the checkout
    DIRECTORY = "directory"  # a project folder, built and installed
    EDITABLE = "editable"  # a project folder, installed editable
    VIRTUAL = "virtual"  # a project folder that is not a package

    def __str__(self) -> str:
        return self.value


KINDS = frozenset(SourceKind)
# The kinds of a project folder: how uv locks a workspace member (or a path dependency on one).
PROJECT_KINDS = (SourceKind.EDITABLE, SourceKind.VIRTUAL, SourceKind.DIRECTORY)
# The kinds whose source is a path in the checkout.
TREE_KINDS = (*PROJECT_KINDS, SourceKind.PATH)


@dataclass(frozen=True)
class LockedDep:
    """One edge of the lock graph: `name` (with `version` when the lock holds several)."""

    name: str
    version: str | None
    marker: str | None
    extras: tuple[str, ...]


@dataclass(frozen=True)
class LockedFile:
    """A wheel or sdist that uv.lock pins for a package: its file name, sha256 and size
    (uv locks a file of a local flat index without a hash)."""

    filename: str
    sha256: str
    size: int | None = None


@dataclass(frozen=True)
class LockedPackage:
    name: str
    version: str | None
    source: Mapping[str, str]
    dependencies: tuple[LockedDep, ...]
    optional: Mapping[str, tuple[LockedDep, ...]]
    wheels: tuple[LockedFile, ...] = ()
    sdist: LockedFile | None = None
    # The text of its [package.metadata] tables (the requirements as declared), kept for
    # workspace members only and parsed by lockcheck; "" when the lock has none for it.
    metadata: str = ""
    # The groups of its [package.dev-dependencies] table.
    dev_groups: tuple[str, ...] = ()

    @property
    def source_kind(self) -> SourceKind:
        """The key of its `source` table (checked when the lock is read); registry without one."""
        return SourceKind(next(iter(self.source), SourceKind.REGISTRY))

    @property
    def index(self) -> str | None:
        """The index a registry package was locked from: a URL, or a folder for a flat index."""
        if self.source_kind is not SourceKind.REGISTRY:
            return None
        return self.source.get(SourceKind.REGISTRY)


@dataclass(frozen=True)
class Lock:
    path: Path
    requires_python: str | None
    members: frozenset[str]
    packages: tuple[LockedPackage, ...]
    display: str = "uv.lock"
    # The [manifest] table as parsed (members, constraints, overrides, dependency-groups...).
    manifest: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def unpinnable(self) -> frozenset[str]:
        """Names of the packages an image build cannot install from pins: git or local."""
        return frozenset(
            p.name for p in (*git_packages(self.packages), *local_packages(self.packages))
        )

    @cached_property
    def _by_name(self) -> dict[str, list[LockedPackage]]:
        index: dict[str, list[LockedPackage]] = {}
        for package in self.packages:
            index.setdefault(package.name, []).append(package)
        return index

    def candidates(self, name: str) -> list[LockedPackage]:
        return list(self._by_name.get(name, ()))

    def member_path(self, name: str) -> str | None:
        """The folder (relative to the root) where uv locked workspace member `name`."""
        for package in self.candidates(name):
            if package.source_kind in PROJECT_KINDS:
                return package.source[package.source_kind]
        return None

    def pinned(self, pins: Iterable[tuple[str, str]]) -> tuple[LockedPackage, ...]:
        """The locked packages of (name, version) pins, as a plan's `third_party` holds them."""
        out = []
        for name, version in pins:
            found = [p for p in self.candidates(name) if (p.version or "") == version]
            if not found:
                raise UvbakeError(self.display, f"no package '{name}' {version} is locked", RELOCK)
            out.append(found[0])
        return tuple(out)

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


# What uvbake never reads from a lock, as uv writes it: each wheel of a `wheels = [...]` array
# (one per line), `sdist = {...}` lines, and [package.metadata] tables (the requirements as
# declared; the resolved graph is in `dependencies`). They are most of a large lock, and
# leaving them out before parsing (the document stays valid) makes reading it 3-4x faster.
UNREAD = re.compile(
    r'^(?: +\{ url = "[^"\n]*", hash = "sha256:[0-9a-f]{64}"'
    r'(?:, size = \d+)?(?:, upload-time = "[^"\n]*")? \},?'
    r'|sdist = \{ url = "[^"\n]*", hash = "sha256:[0-9a-f]{64}"'
    r'(?:, size = \d+)?(?:, upload-time = "[^"\n]*")? \}'
    r"|\[package\.metadata(?:\.[A-Za-z0-9_-]+)*\](?:\n[^\[\n].*)*)\n",
    re.M,
)


# The files of a package, read from the lines UNREAD leaves out of the parse: each
# [[package]] block of the text holds its `sdist = {...}` line and `wheels = [...]` items.
PACKAGE_HEADER = re.compile(r"^\[\[package\]\]$", re.M)
FILE = re.compile(
    r'^(?:sdist = | +)\{ (?:url|path|filename) = "([^"\n]*)"(?:, hash = "sha256:([0-9a-f]{64})")?'
    r"(?:, size = (\d+))?",
    re.M,
)


def _files(block: str) -> tuple[tuple[LockedFile, ...], LockedFile | None]:
    wheels: list[LockedFile] = []
    sdist = None
    for found in FILE.finditer(block):
        name = unquote(found.group(1).rsplit("/", 1)[-1])
        size = int(found.group(3)) if found.group(3) else None
        file = LockedFile(filename=name, sha256=found.group(2) or "", size=size)
        if found.group(0).startswith("sdist"):
            sdist = file
        elif name.endswith(".whl"):
            wheels.append(file)
    return tuple(wheels), sdist


def load_lock(path: Path, *, display: str) -> Lock:
    data, text = read_toml_text(path, display=display, fix=RELOCK, skip=UNREAD)
    return _lock(data, text, path=path, display=display)


def parse_lock(raw: bytes, *, path: Path, display: str) -> Lock:
    """`load_lock` of a lock's bytes already read (from git, say); `path` is where it was."""
    data, text = parse_toml_text(raw, display=display, skip=UNREAD)
    return _lock(data, text, path=path, display=display)


def _lock(data: dict[str, Any], text: str, *, path: Path, display: str) -> Lock:
    if "version" not in data or not isinstance(data.get("package", []), list):
        raise UvbakeError(display, "is not a uv lockfile", RELOCK)
    blocks = PACKAGE_HEADER.split(text)[1:]
    if len(blocks) != len(data.get("package", [])):
        blocks = [""] * len(data.get("package", []))
    packages = []
    for raw, block in zip(data.get("package", []), blocks, strict=True):
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise UvbakeError(display, "has a [[package]] entry without a name", RELOCK)
        name = canonicalize_name(raw["name"])
        source = raw.get("source", {})
        optional = raw.get("optional-dependencies", {})
        dev = raw.get("dev-dependencies", {})
        if not isinstance(source, dict) or not isinstance(optional, dict):
            raise UvbakeError(display, f"package '{name}' has a malformed entry", RELOCK)
        kind = next(iter(source), SourceKind.REGISTRY)
        if kind not in KINDS:
            raise UvbakeError(display, f"package '{name}' has an unknown source '{kind}'", RELOCK)
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
                **_package_files(block),
                metadata=_metadata_text(block) if any(k in source for k in PROJECT_KINDS) else "",
                dev_groups=tuple(sorted(dev)) if isinstance(dev, dict) else (),
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
        manifest=manifest if isinstance(manifest, dict) else {},
    )


METADATA = re.compile(r"^\[package\.metadata\]$", re.M)


def _metadata_text(block: str) -> str:
    """A block's [package.metadata] tables, which uv writes last in a [[package]] block."""
    found = METADATA.search(block)
    return block[found.start() :] if found else ""


def _package_files(block: str) -> dict[str, Any]:
    wheels, sdist = _files(block)
    return {"wheels": wheels, "sdist": sdist}


def git_packages(packages: Iterable[LockedPackage]) -> tuple[LockedPackage, ...]:
    """The packages locked from git: uv exports them without hashes, and a builder needs git."""
    return tuple(sorted((p for p in packages if p.source_kind is SourceKind.GIT), key=_order))


def local_packages(packages: Iterable[LockedPackage]) -> tuple[LockedPackage, ...]:
    """Third-party packages locked from the checkout (a path, a folder or a flat-index folder):
    uv exports them as paths the export and install steps do not have."""
    return tuple(
        sorted(
            (
                p
                for p in packages
                if p.source_kind in (SourceKind.PATH, SourceKind.DIRECTORY)
                or (p.index is not None and not _remote(p.index))
            ),
            key=_order,
        )
    )


def index_urls(packages: Iterable[LockedPackage]) -> tuple[str, ...]:
    """The index URLs other than PyPI that `packages` were locked from, sorted."""
    urls = {p.index for p in packages if p.index and _remote(p.index)}
    return tuple(sorted(urls - {DEFAULT_INDEX}))


def _remote(url: str) -> bool:
    return url.startswith(("https://", "http://"))


def _order(package: LockedPackage) -> tuple[str, str]:
    return package.name, package.version or ""
