"""The workspace model: root and member pyprojects plus uv.lock, loaded into frozen records."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from uvbake.errors import UvbakeError, one_line
from uvbake.load import config, member_folders
from uvbake.load.tomlfile import read_toml, table
from uvbake.uvlock import freshness as lockcheck
from uvbake.uvlock.lock import Lock, LockedPackage, index_urls, load_lock

ROOT = PurePosixPath(".")
# Build requirements that take a project's version from git; both read
# SETUPTOOLS_SCM_PRETEND_VERSION_FOR_<NAME> instead when it is set.
VCS_VERSIONING = frozenset({"setuptools-scm", "hatch-vcs"})
PROJECT_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")
WORKSPACE_FIX = 'add [tool.uv.workspace] with members = ["services/*", "services/common/*"]'


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


@functools.lru_cache(maxsize=2048)
def _requirement(text: str) -> Requirement:
    """A parsed requirement; members of one workspace repeat the same ones many times."""
    return Requirement(text)


def _requirements(raw: Any, *, where: str) -> tuple[Requirement, ...]:
    if not isinstance(raw, list):
        raise UvbakeError(
            where,
            "[project] dependencies must be a list of strings",
            'write it as dependencies = ["httpx>=0.27"]',
        )
    out = []
    for item in raw:
        try:
            out.append(_requirement(item))
        except (InvalidRequirement, TypeError):
            raise UvbakeError(
                where,
                f"dependency {item!r} is not a valid requirement",
                'write it like "httpx>=0.27" (PEP 508)',
            ) from None
    return tuple(out)


def _workspace_sources(data: dict[str, Any]) -> set[str]:
    sources = table(data, "tool.uv.sources")
    return {
        canonicalize_name(name)
        for name, spec in sources.items()
        if isinstance(spec, dict) and spec.get("workspace") is True
    }


def _indexes(data: dict[str, Any], *, where: str) -> list[Index]:
    raw = table(data, "tool.uv").get("index", [])
    fix = 'write each index as [[tool.uv.index]] with name = "..." and url = "https://..."'
    if not isinstance(raw, list) or not all(isinstance(entry, dict) for entry in raw):
        raise UvbakeError(where, "[[tool.uv.index]] is not an array of tables", fix)
    out = []
    for number, entry in enumerate(raw, start=1):
        name, url = entry.get("name"), entry.get("url")
        if not isinstance(url, str) or not url or not isinstance(name, str | None):
            raise UvbakeError(where, f"[[tool.uv.index]] number {number} is malformed", fix)
        out.append(
            Index(
                name=name,
                url=url,
                default=entry.get("default") is True,
                explicit=entry.get("explicit") is True,
                pyproject=where,
            )
        )
    return out


def load_member(root: Path, path: Path, data: dict[str, Any], root_sources: set[str]) -> Member:
    """The Member record of the pyproject.toml `data` of the folder `path` under `root`."""
    rel = PurePosixPath(path.relative_to(root).as_posix()) if path != root else ROOT
    where = (rel / "pyproject.toml").as_posix()
    project = data.get("project")
    if not isinstance(project, dict):
        raise UvbakeError(where, "has no [project] table", "add [project] with a name")
    name = project.get("name")
    if not isinstance(name, str) or not name.strip():
        raise UvbakeError(where, "[project] has no name", 'add name = "..." to [project]')
    if not PROJECT_NAME.fullmatch(name):
        raise UvbakeError(
            where,
            f"[project] name {name!r} is not a valid project name",
            "use ASCII letters, digits and . _ - (starting and ending with a letter or digit)",
        )
    deps = _requirements(project.get("dependencies", []), where=where)
    sources = _workspace_sources(data) | root_sources
    uv_package = table(data, "tool.uv").get("package")
    packaged = uv_package if isinstance(uv_package, bool) else "build-system" in data
    keys = {**config.ROOT_KEYS, **config.MEMBER_KEYS} if rel.name == "" else config.MEMBER_KEYS
    raw = config.validate(table(data, "tool").get("uvbake", {}), keys=keys, where=where)
    settings = config.member_settings(raw, where=where)
    version = project.get("version")
    description = project.get("description", "")
    requires = project.get("requires-python")
    return Member(
        name=canonicalize_name(name),
        path=rel,
        pyproject=where,
        version=version if isinstance(version, str) else None,
        description=description if isinstance(description, str) else "",
        dependencies=deps,
        workspace_sources=frozenset(sources),
        packaged=packaged,
        settings=settings,
        project_files=tuple(_project_files(project)),
        scm_versioned=_scm_versioned(data),
        requires_python=requires if isinstance(requires, str) else None,
    )


def _project_files(project: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(key, path) of the files a build backend reads for [project] metadata."""
    readme = project.get("readme")
    if isinstance(readme, dict):
        readme = readme.get("file")
    if isinstance(readme, str):
        yield "readme", readme
    license_ = project.get("license")
    if isinstance(license_, dict) and isinstance(license_.get("file"), str):
        yield "license", license_["file"]
    files = project.get("license-files")
    for item in files if isinstance(files, list) else ():
        if isinstance(item, str) and not any(c in item for c in "*?[]"):
            yield "license-files", item


def _scm_versioned(data: dict[str, Any]) -> bool:
    """Whether building the project asks git for its version (a dynamic version with
    setuptools-scm or hatch-vcs)."""
    dynamic = table(data, "project").get("dynamic")
    requires = table(data, "build-system").get("requires")
    if not isinstance(dynamic, list) or "version" not in dynamic:
        return False
    names = {_requirement_name(r) for r in requires} if isinstance(requires, list) else set()
    return bool(names & VCS_VERSIONING)


def _requirement_name(requirement: object) -> str:
    head = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", str(requirement))
    return canonicalize_name(head.group(1)) if head else ""


def load(root: Path) -> Workspace:
    """Read the workspace at `root`. Every problem is a UvbakeError naming the file to fix."""
    if not root.is_dir():
        raise UvbakeError(root, "is not a folder", "pass the workspace root with --root")
    data = read_toml(
        root / "pyproject.toml",
        display="pyproject.toml",
        fix="run uvbake in the workspace root or pass --root",
    )
    workspace = table(data, "tool.uv").get("workspace")
    if not isinstance(workspace, dict):
        raise UvbakeError("pyproject.toml", "has no [tool.uv.workspace] table", WORKSPACE_FIX)
    raw = config.validate(
        table(data, "tool").get("uvbake", {}), keys=config.ROOT_KEYS, where="pyproject.toml"
    )
    root_sources = _workspace_sources(data)
    loaded: dict[Path, dict[str, Any]] = {}
    if isinstance(data.get("project"), dict):
        loaded[root] = data
    globbed = member_folders.member_dirs(root, workspace, where="pyproject.toml")
    for path in globbed.dirs:
        rel = path.relative_to(root).as_posix()
        loaded[path] = read_toml(
            path / "pyproject.toml", display=f"{rel}/pyproject.toml", fix="create it"
        )
    members = [load_member(root, p, d, root_sources) for p, d in loaded.items()]
    indexes = _indexes(data, where="pyproject.toml")
    for member in sorted(members, key=_member_order):
        if not member.is_root:
            indexes += _indexes(loaded[root / member.path], where=member.pyproject)
    by_name: dict[str, Member] = {}
    for member in sorted(members, key=_member_order):
        if member.name in by_name:
            raise UvbakeError(
                member.pyproject,
                f"project name '{member.name}' is also used by {by_name[member.name].pyproject}",
                "give every workspace member its own [project] name",
            )
        by_name[member.name] = member
    lock = load_lock(root / "uv.lock", display="uv.lock")
    missing = member_folders.missing_members(root, lock, set(by_name), globbed=globbed)
    member_folders.check_globbed(globbed, missing=missing.values(), where="pyproject.toml")
    _check_workspace_sources(by_name, missing=set(missing))
    names = {path: m.name for path, m in zip(loaded, members, strict=True)}
    declared = lockcheck.declared_members(root, loaded, names)
    problem = lockcheck.stale(root, declared, lock, root_data=data)
    if problem is not None:
        raise problem
    settings = config.settings(
        raw,
        python_version_file=_read_text(root / ".python-version"),
        requires_python=lock.requires_python,
    )
    deprecated = config.deprecation(settings)
    return Workspace(
        root=root,
        members=tuple(
            _with_locked_version(m, lock) for m in sorted(by_name.values(), key=_member_order)
        ),
        lock=lock,
        settings=settings,
        dockerignore=_read_text(root / ".dockerignore"),
        indexes=tuple(indexes),
        missing=frozenset(missing),
        warnings=tuple(
            one_line(
                lock.display,
                f"locks workspace member '{name}' at {path}, which is not in the checkout",
                "services that need it cannot be planned until the folder exists",
            )
            for name, path in sorted(missing.items())
        )
        + ((deprecated,) if deprecated else ()),
    )


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _member_order(member: Member) -> str:
    return member.path.as_posix()


def _with_locked_version(member: Member, lock: Lock) -> Member:
    """A dynamic version is absent from pyproject.toml; uv.lock may still pin it."""
    if member.version is not None:
        return member
    versions = [
        p.version
        for p in lock.candidates(member.name)
        if p.version and p.source_kind in ("editable", "virtual", "directory")
    ]
    return replace(member, version=versions[0]) if versions else member


def _check_workspace_sources(members: dict[str, Member], *, missing: set[str]) -> None:
    for member in members.values():
        declared = {canonicalize_name(r.name) for r in member.dependencies}
        for name in sorted((member.workspace_sources & declared) - missing):
            if name not in members:
                raise UvbakeError(
                    member.pyproject,
                    f"'{name}' has a {{ workspace = true }} source but is not a workspace member",
                    "add its folder to [tool.uv.workspace] members or drop the source",
                )
