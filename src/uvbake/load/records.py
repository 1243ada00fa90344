"""The workspace's records: its members, its package indexes, and the workspace itself."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath

from packaging.requirements import Requirement

from uvbake.errors import UvbakeError
from uvbake.load import config
from uvbake.uvlock.lock import Lock, LockedPackage, index_urls

ROOT = PurePosixPath(".")


@dataclass(frozen=True)
class Member:
    """One workspace member. `path` is relative to the root ("." for the root project)."""

    name: str
    path: PurePosixPath
    pyproject: str
    version: str | None
    description: str
    dependencies: tuple[Requirement, ...]
    workspace_sources: frozenset[str]
    packaged: bool
    settings: config.MemberSettings
    # [project] files a build backend reads: (key, path as written), such as ("readme", ...)
    project_files: tuple[tuple[str, str], ...] = ()
    # The build takes the version from git (setuptools-scm or hatch-vcs with a dynamic version)
    scm_versioned: bool = False
    # [project] requires-python as written; None when it is not set.
    requires_python: str | None = None

    @property
    def folder(self) -> str:
        return self.path.name

    @property
    def is_root(self) -> bool:
        """Whether this is the workspace root's own project."""
        return self.path == ROOT


@dataclass(frozen=True)
class Index:
    """A package index: one [[tool.uv.index]] of a pyproject, or a URL only uv.lock names.
    uv reads the credentials of an index named N from UV_INDEX_<N>_USERNAME/_PASSWORD."""

    name: str | None
    url: str
    default: bool = False
    explicit: bool = False
    pyproject: str | None = None


@dataclass(frozen=True)
class Workspace:
    """`missing`: members uv.lock lists whose folder (or its pyproject.toml) is not in the
    checkout, such as generated code; they are not in `members`, and `warnings` names them."""

    root: Path
    members: tuple[Member, ...]
    lock: Lock
    settings: config.Settings
    indexes: tuple[Index, ...] = ()
    missing: frozenset[str] = frozenset()
    warnings: tuple[str, ...] = ()
    # The text of the root's .dockerignore, merged into the generated one; None without one.
    dockerignore: str | None = None
    # Folders inside the workspace that uv.lock installs from (editable or directory sources)
    # and that are not members: loaded like members, or the error their pyproject.toml gave
    # (it stops planning only for a service that needs the folder).
    folder_members: Mapping[str, Member | UvbakeError] = field(default_factory=dict)

    @cached_property
    def _by_name(self) -> dict[str, Member]:
        return {m.name: m for m in self.members}

    def member(self, name: str) -> Member | None:
        return self._by_name.get(name)

    def index(self, url: str) -> Index:
        """The declared index at `url` (so its name is known), else an unnamed one."""
        key = _index_key(url)
        found = (i for i in self.indexes if _index_key(i.url) == key)
        return next(found, Index(name=None, url=url))

    def indexes_for(self, packages: Iterable[LockedPackage]) -> tuple[Index, ...]:
        """The indexes other than PyPI that installing `packages` from their pins must query."""
        return tuple(self.index(url) for url in index_urls(packages))

    def missing_error(self, *, service: Member, name: str) -> UvbakeError:
        """The error for a service whose runtime closure holds the missing member `name`."""
        path = self.lock.member_path(name)
        return UvbakeError(
            service.pyproject,
            f"service '{service.name}' needs workspace member '{name}', "
            f"but {path}/pyproject.toml is not in the checkout",
            f"create {path} (run the step that generates it) before running uvbake",
        )


def _index_key(url: str) -> str:
    return url.rstrip("/")
