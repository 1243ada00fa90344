"""Folders of the checkout that a service's image is built from, other than member folders:
path dependencies on folders that are not workspace members (`models = { path =
"layers/models" }`, locked as an editable or directory source), built like libraries, and a
service's own base Dockerfile."""

from __future__ import annotations

import posixpath
from collections.abc import Container, Iterable, Sequence
from pathlib import Path

from uvbake.errors import UvbakeError
from uvbake.load.tomlfile import read_toml
from uvbake.load.workspace import Member, Workspace, load_member
from uvbake.scan import discovery
from uvbake.uvlock.lock import LockedPackage, SourceKind

FOLDER_SOURCES = (SourceKind.EDITABLE, SourceKind.DIRECTORY)


def _outside(path: str) -> bool:
    return path.startswith("/") or path == ".." or path.startswith("../")


def direct_dependent(ws: Workspace, local: Iterable[LockedPackage], package: LockedPackage) -> str:
    """The pyproject.toml of the first workspace member that depends on `package` directly,
    else uv.lock (it comes in through another third-party package)."""
    for owner in local:
        member = ws.member(owner.name)
        if member is not None and any(d.name == package.name for d in owner.dependencies):
            return member.pyproject
    return ws.lock.display


def path_members(
    ws: Workspace,
    packages: Sequence[LockedPackage],
    *,
    members: Container[str],
    service: Member,
    local: Sequence[LockedPackage],
) -> dict[str, Member]:
    """The packages of `packages` locked from a folder inside the workspace that is not a
    member, loaded from their pyproject.toml like members. A folder outside the workspace is
    an error naming the pyproject.toml that depends on it."""
    out: dict[str, Member] = {}
    for package in packages:
        kind = package.source_kind
        if package.name in members or kind not in FOLDER_SOURCES:
            continue
        folder = posixpath.normpath(package.source[kind])
        if _outside(folder):
            raise UvbakeError(
                direct_dependent(ws, local, package),
                f"service '{service.name}' needs '{package.name}' from '{package.source[kind]}', "
                "a folder outside the workspace, which the image build does not have",
                "move the folder inside the workspace root, or make it a workspace member",
            )
        discovery.check_safe(folder, where=direct_dependent(ws, local, package))
        path = ws.root / folder
        display = f"{folder}/pyproject.toml"
        data = read_toml(path / "pyproject.toml", display=display, fix="run `uv lock` again")
        out[package.name] = load_member(ws.root, path, data, set())
    return out


def base_dockerfile(ws: Workspace, member: Member) -> str | None:
    """The service's [tool.uvbake] base-dockerfile as a path from the workspace root."""
    value = member.settings.base_dockerfile
    if value is None:
        return None
    path = posixpath.normpath(posixpath.join(member.path.as_posix(), value))
    fix = "point [tool.uvbake] base-dockerfile at a Dockerfile inside the workspace"
    if value.startswith("/") or _outside(path):
        raise UvbakeError(
            member.pyproject,
            f"base-dockerfile '{value}' is outside the workspace, which is the build context",
            fix,
        )
    if not (Path(ws.root) / path).is_file():
        raise UvbakeError(member.pyproject, f"base-dockerfile '{value}' is not a file", fix)
    discovery.check_safe(path, where=member.pyproject)
    return path
