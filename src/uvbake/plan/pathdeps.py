"""Folders of the checkout that a service's image is built from, other than member folders:
path dependencies on folders that are not workspace members (`models = { path =
"layers/models" }`, locked as an editable or directory source), built like libraries, and a
service's own base Dockerfile."""

from __future__ import annotations

import posixpath
from collections.abc import Container, Iterable, Sequence

from uvbake.errors import UvbakeError
from uvbake.load.records import Member, Workspace
from uvbake.load.workspace import FOLDER_SOURCES, outside_workspace
from uvbake.plan.packages import check_safe
from uvbake.scan.tree import Tree
from uvbake.uvlock.lock import LockedPackage


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
    member (the loader read them like members). A folder outside the workspace is an error
    naming the pyproject.toml that depends on it."""
    out: dict[str, Member] = {}
    for package in packages:
        kind = package.source_kind
        if package.name in members or kind not in FOLDER_SOURCES:
            continue
        folder = posixpath.normpath(package.source[kind])
        if outside_workspace(folder):
            raise UvbakeError(
                direct_dependent(ws, local, package),
                f"service '{service.name}' needs '{package.name}' from '{package.source[kind]}', "
                "a folder outside the workspace, which the image build does not have",
                "move the folder inside the workspace root, or make it a workspace member",
            )
        check_safe(folder, where=direct_dependent(ws, local, package))
        loaded = ws.folder_members[package.name]
        if isinstance(loaded, UvbakeError):
            raise loaded
        out[package.name] = loaded
    return out


def base_dockerfile(tree: Tree, member: Member) -> str | None:
    """The service's [tool.uvbake] base-dockerfile as a path from the workspace root."""
    value = member.settings.base_dockerfile
    if value is None:
        return None
    path = posixpath.normpath(posixpath.join(member.path.as_posix(), value))
    fix = "point [tool.uvbake] base-dockerfile at a Dockerfile inside the workspace"
    if value.startswith("/") or outside_workspace(path):
        raise UvbakeError(
            member.pyproject,
            f"base-dockerfile '{value}' is outside the workspace, which is the build context",
            fix,
        )
    if not tree.has_file(path):
        raise UvbakeError(member.pyproject, f"base-dockerfile '{value}' is not a file", fix)
    check_safe(path, where=member.pyproject)
    return path
