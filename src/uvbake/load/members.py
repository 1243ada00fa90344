"""A member's pyproject.toml read into a `Member` record: its name, dependencies, workspace
sources, package indexes, the files its build reads, and whether its version comes from git."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from uvbake.errors import UvbakeError
from uvbake.load import config, keys
from uvbake.load.records import ROOT, Index, Member
from uvbake.tomlfile import table

# Build requirements that take a project's version from git; both read
# SETUPTOOLS_SCM_PRETEND_VERSION_FOR_<NAME> instead when it is set.
VCS_VERSIONING = frozenset({"setuptools-scm", "hatch-vcs"})
PROJECT_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")


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


def workspace_sources(data: dict[str, Any]) -> set[str]:
    sources = table(data, "tool.uv.sources")
    return {
        canonicalize_name(name)
        for name, spec in sources.items()
        if isinstance(spec, dict) and spec.get("workspace") is True
    }


def read_indexes(data: dict[str, Any], *, where: str) -> list[Index]:
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
    sources = workspace_sources(data) | root_sources
    uv_package = table(data, "tool.uv").get("package")
    packaged = uv_package if isinstance(uv_package, bool) else "build-system" in data
    known = {**keys.ROOT_KEYS, **keys.MEMBER_KEYS} if rel.name == "" else keys.MEMBER_KEYS
    raw = keys.validate(table(data, "tool").get("uvbake", {}), keys=known, where=where)
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
