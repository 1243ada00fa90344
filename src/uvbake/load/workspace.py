"""`load`: the root and member pyprojects plus uv.lock, read once into frozen records."""

from __future__ import annotations

import posixpath
from dataclasses import replace
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from uvbake.errors import UvbakeError, one_line
from uvbake.load import config, keys, member_folders
from uvbake.load.members import load_member, read_indexes, workspace_sources
from uvbake.load.records import Member, Workspace
from uvbake.tomlfile import read_toml, table
from uvbake.uvlock import freshness as lockcheck
from uvbake.uvlock.lock import (
    PROJECT_KINDS,
    Lock,
    SourceKind,
    load_lock,
)

WORKSPACE_FIX = 'add [tool.uv.workspace] with members = ["services/*", "services/common/*"]'


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
    raw = keys.validate(
        table(data, "tool").get("uvbake", {}), keys=keys.ROOT_KEYS, where="pyproject.toml"
    )
    root_sources = workspace_sources(data)
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
    indexes = read_indexes(data, where="pyproject.toml")
    for member in sorted(members, key=_member_order):
        if not member.is_root:
            indexes += read_indexes(loaded[root / member.path], where=member.pyproject)
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
    unmatched = member_folders.check_globbed(
        globbed, missing=missing.values(), where="pyproject.toml"
    )
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
        folder_members=_folder_members(root, lock, members=set(by_name) | set(missing)),
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
        + unmatched
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
        if p.version and p.source_kind in PROJECT_KINDS
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


FOLDER_SOURCES = (SourceKind.EDITABLE, SourceKind.DIRECTORY)


def outside_workspace(path: str) -> bool:
    return path.startswith("/") or path == ".." or path.startswith("../")


def _folder_members(
    root: Path, lock: Lock, *, members: set[str]
) -> dict[str, Member | UvbakeError]:
    """Packages uv.lock installs from a folder inside the workspace that is not a member,
    loaded from their pyproject.toml like members (or the error that gave)."""
    out: dict[str, Member | UvbakeError] = {}
    for package in lock.packages:
        kind = package.source_kind
        if package.name in members or kind not in FOLDER_SOURCES:
            continue
        folder = posixpath.normpath(package.source[kind])
        if outside_workspace(folder):
            continue
        display = f"{folder}/pyproject.toml"
        try:
            data = read_toml(
                root / folder / "pyproject.toml", display=display, fix="run `uv lock` again"
            )
            out[package.name] = load_member(root, root / folder, data, set())
        except UvbakeError as error:
            out[package.name] = error
    return out
