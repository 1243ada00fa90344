"""The planner: which members are services, what each one needs, and what they all share."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Container
from dataclasses import dataclass, replace

from uvbake.errors import UvbakeError
from uvbake.load import pathdeps
from uvbake.load.workspace import Member, Workspace
from uvbake.plan import basecopies, handlers, python, roles, wheels
from uvbake.plan.handlers import Function
from uvbake.plan.layers import Layer, partition
from uvbake.plan.wheels import Pin, Target
from uvbake.scan import discovery
from uvbake.scan.discovery import AppSource
from uvbake.uvlock.closure import marker_environment, runtime_closure, split_packages
from uvbake.uvlock.lock import LockedPackage, git_packages, local_packages

Role = roles.Role


@dataclass(frozen=True)
class LibraryPlan:
    """How a workspace member reaches site-packages in the image of a service that needs it.

    A packaged member is built and installed from a bind mount of its folder, plus `files`
    outside that folder which its build reads (a readme or license such as ../README.md). A
    virtual member (no [build-system], or [tool.uv] package = false) cannot be built, and the
    workspace root project is never mounted whole, so their import packages are copied as
    source (`copies`); their third-party dependencies are among the service's pins."""

    member: Member
    install: bool
    files: tuple[str, ...]
    copies: tuple[AppSource, ...]
    scm_version: str | None = None

    @property
    def folder(self) -> str:
        return self.member.path.as_posix()

    @property
    def build_files(self) -> tuple[str, ...]:
        """Files outside the member's folder that its build reads."""
        return tuple(f for f in self.files if not _inside(f, self.folder))

    @property
    def build_env(self) -> tuple[str, ...]:
        """NAME=value settings for the build: the version, when the build would ask git for
        it (setuptools-scm, hatch-vcs), since the build context has no .git. hatch-vcs does
        not pass the project name to setuptools-scm, so the plain name is set too."""
        if self.scm_version is None:
            return ()
        return (
            f"SETUPTOOLS_SCM_PRETEND_VERSION={self.scm_version}",
            f"SETUPTOOLS_SCM_PRETEND_VERSION_FOR_{_env_name(self.member.name)}={self.scm_version}",
        )


@dataclass(frozen=True)
class ServicePlan:
    name: str
    member: Member
    handler: str
    platform: str
    base_image: str | None
    libraries: tuple[LibraryPlan, ...]
    third_party: tuple[tuple[str, str], ...]
    app: tuple[AppSource, ...]
    reason: str

    target: Target
    pins: tuple[Pin, ...] = ()
    layers: tuple[Layer, ...] = ()
    # [tool.uvbake] functions: one image each, differing only in CMD; () for one handler.
    functions: tuple[Function, ...] = ()
    # A Dockerfile (relative to the root) whose last stage the image starts from.
    base_dockerfile: str | None = None

    @property
    def targets(self) -> tuple[tuple[str, str], ...]:
        """(bake target, handler) of each image: the service's name, or <service>-<function>."""
        if not self.functions:
            return ((self.name, self.handler),)
        return tuple((f"{self.name}-{f.name}", f.handler) for f in self.functions)

    @property
    def closure(self) -> tuple[Member, ...]:
        """The workspace members the service needs at run time, other than itself."""
        return tuple(lib.member for lib in self.libraries)

    @property
    def replaces(self) -> tuple[str, ...]:
        """Distributions the Lambda base image ships in site-packages that the service pins
        itself: its copies go to /var/task, ahead of the base's (basecopies)."""
        return tuple(p.name for p in self.pins if basecopies.shipped(p.name))

    @property
    def copies(self) -> tuple[AppSource, ...]:
        """Import packages of virtual members (and the root project), copied as source."""
        return tuple(c for lib in self.libraries for c in lib.copies)

    @property
    def build_files(self) -> tuple[str, ...]:
        """Files outside the library folders that their builds read."""
        return tuple(sorted({f for lib in self.libraries for f in lib.build_files}))

    @property
    def emulated(self) -> tuple[Pin, ...]:
        """Pins with no wheel for the target: installed on the target platform."""
        return tuple(p for p in self.pins if not p.cross)


@dataclass(frozen=True)
class Plan:
    workspace: Workspace
    services: tuple[ServicePlan, ...]
    libraries: tuple[Member, ...]
    layers: tuple[Layer, ...]
    # One line each, printed as warnings (plan.python: source-builds nothing needs).
    warnings: tuple[str, ...] = ()

    @property
    def shipped(self) -> tuple[LibraryPlan, ...]:
        """Every member some service installs or copies, once, in path order."""
        found = {lib.member.name: lib for s in self.services for lib in s.libraries}
        return tuple(sorted(found.values(), key=lambda lib: lib.folder))

    @property
    def site_packages(self) -> str:
        return f"/var/lang/lib/python{self.workspace.settings.python}/site-packages"


_ROLES: list[tuple[Workspace, dict[str, Role]]] = []


def role(member: Member, ws: Workspace) -> Role:
    """Whether `member` is a service, and why (roles.roles, worked out once per workspace)."""
    if not _ROLES or _ROLES[0][0] is not ws:
        _ROLES[:] = [(ws, roles.roles(ws))]
    return _ROLES[0][1][member.name]


def _inside(path: str, folder: str) -> bool:
    return folder == "." or path == folder or path.startswith(f"{folder}/")


def _check_path(member: Member) -> None:
    if not discovery.SAFE_PATH.match(member.path.as_posix()):
        raise UvbakeError(
            member.pyproject,
            f"folder {member.path.as_posix()!r} has characters uvbake will not put in a Dockerfile",
            "rename the folder to ASCII letters, digits and . _ - + @",
        )


def _env_name(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).upper()


def _build_files(ws: Workspace, member: Member) -> tuple[str, ...]:
    """Files outside `member`'s folder that building it reads: they must be in the build
    context and mounted at the same place relative to the folder's mount."""
    folder = member.path.as_posix()
    out = []
    for key, value in member.project_files:
        path = posixpath.normpath(posixpath.join(folder, value))
        if value.startswith("/") or path == ".." or path.startswith("../"):
            raise UvbakeError(
                member.pyproject,
                f"[project] {key} '{value}' of library '{member.name}' is outside the "
                "workspace root, so the image build cannot read it",
                f"move the file into the workspace and point [project] {key} at it",
            )
        discovery.check_file(ws.root, path, member=member, key=key, value=value)
        if not _inside(path, folder):
            discovery.check_safe(path, where=member.pyproject)
            out.append(path)
    return tuple(sorted(set(out)))


def _library(ws: Workspace, member: Member) -> LibraryPlan:
    _check_path(member)
    if member.packaged and not member.is_root:
        return LibraryPlan(
            member=member,
            install=True,
            files=_build_files(ws, member),
            copies=(),
            # dynamic versions are not locked: 0.0.0 then
            scm_version=(member.version or "0.0.0") if member.scm_versioned else None,
        )
    return LibraryPlan(
        member=member, install=False, files=(), copies=discovery.source_copies(ws, member)
    )


def _check_installable(
    ws: Workspace, service: Member, packages: list[LockedPackage], *, members: Container[str]
) -> None:
    """Third-party packages an image build cannot install from their pins: git sources (no git
    in the builder, no hash to require) and local paths (not in the export's context)."""
    if not any(p.name in ws.lock.unpinnable for p in packages):
        return
    local = [p for p in packages if p.name in members]
    third = [p for p in packages if p.name not in members]
    for package in git_packages(third)[:1]:
        url = package.source["git"].split("#", 1)[0]
        raise UvbakeError(
            pathdeps.direct_dependent(ws, local, package),
            f"service '{service.name}' needs '{package.name}' from git ({url}), which the "
            "image build cannot install: the builder has no git and no hash can pin it",
            "vendor it as a workspace member, or publish a wheel to a package index "
            "and depend on that",
        )
    for package in local_packages(third)[:1]:
        kind = package.source_kind
        where = package.source[kind]
        what = f"the local index folder '{where}'" if kind == "registry" else f"'{where}'"
        raise UvbakeError(
            pathdeps.direct_dependent(ws, local, package),
            f"service '{service.name}' needs '{package.name}' from {what}, which the image "
            "build does not have",
            "make it a workspace member, or publish it to a package index and depend on that",
        )


def _plan_service(
    ws: Workspace,
    member: Member,
    reason: str,
    *,
    names: frozenset[str],
    libraries: dict[str, LibraryPlan],
) -> ServicePlan:
    """Plan one service. `names`: every member's name, the missing ones too; `libraries`
    keeps the LibraryPlan of each member across services."""
    _check_path(member)
    platform = member.settings.platform or ws.settings.platform
    target = Target(
        platform=platform,
        python=ws.settings.python,
        glibc=member.settings.glibc or ws.settings.glibc,
    )
    glibc_from = member.pyproject if member.settings.glibc else "pyproject.toml"
    env = marker_environment(machine=target.machine, python=target.python)
    start = ws.lock.candidates(member.name)
    if not start:
        raise UvbakeError("uv.lock", f"does not lock service '{member.name}'", "run `uv lock`")
    packages = runtime_closure(ws.lock, start[0], env=env)
    local = [p for p in packages if p.name in names]
    folders = pathdeps.path_members(ws, packages, members=names, service=member, local=local)
    names |= frozenset(folders)
    _check_installable(ws, member, packages, members=names)
    local_names, third = split_packages(packages, members=names)
    closure = []
    for name in local_names:
        lib = ws.member(name) or folders.get(name)
        if lib is None:
            raise ws.missing_error(service=member, name=name)
        if lib is not member:
            closure.append(lib)
    for lib in closure:
        if lib.name not in libraries:
            libraries[lib.name] = _library(ws, lib)
    functions = handlers.choose(ws, member)
    app = discovery.app_sources(ws, member, *(f.handler for f in functions))
    if member.settings.handler is not None or member.settings.functions is not None:
        for function in functions:
            handlers.check(ws, member, function.handler, app)
    return ServicePlan(
        name=member.name,
        member=member,
        handler=functions[0].handler,
        functions=functions if functions[0].name is not None else (),
        base_dockerfile=pathdeps.base_dockerfile(ws, member),
        platform=platform,
        base_image=member.settings.base_image,
        libraries=tuple(
            libraries[m.name] for m in sorted(closure, key=lambda m: m.path.as_posix())
        ),
        third_party=tuple(sorted(third)),
        app=app,
        reason=reason,
        target=target,
        pins=tuple(
            wheels.pin(p, target, glibc_from=glibc_from) for p in ws.lock.pinned(sorted(third))
        ),
    )


def plan(ws: Workspace) -> Plan:
    services = []
    libraries = []
    planned: dict[str, LibraryPlan] = {}
    names = frozenset(m.name for m in ws.members) | ws.missing
    for member in ws.members:
        found = role(member, ws)
        if found.service:
            services.append(_plan_service(ws, member, found.reason, names=names, libraries=planned))
        else:
            libraries.append(member)
    if not services:
        raise _no_service(ws)
    warnings = python.check(ws, services)
    needs = {s.name: (s.target, s.pins) for s in services}
    layers, per_service = partition(needs, max_layers=ws.settings.max_layers)
    return Plan(
        workspace=ws,
        services=tuple(replace(s, layers=per_service[s.name]) for s in services),
        libraries=tuple(libraries),
        layers=layers,
        warnings=warnings,
    )


class NoService(UvbakeError):
    """No member is a service: `uvbake list` still explains every member."""


def _no_service(ws: Workspace) -> UvbakeError:
    """The error of a workspace without services, naming the members that look like Lambdas
    and the `services` line that makes them services."""
    found = roles.lambda_like(ws)
    if not found:
        return NoService(
            "pyproject.toml",
            "no workspace member is a service",
            'put services under services/ or set [tool.uvbake] services = ["apps/*"]',
        )
    listed = ", ".join(f"{m.path.as_posix()} has {' and '.join(h)}" for m, h in found)
    paths = ", ".join(f'"{m.path.as_posix()}"' for m, _ in found)
    return NoService(
        "pyproject.toml",
        f"no workspace member is a service, though some look like Lambdas ({listed})",
        f"set [tool.uvbake] services = [{paths}] in pyproject.toml",
    )
