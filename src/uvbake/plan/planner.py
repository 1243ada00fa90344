"""The planner: which members are services, what each one needs, and what they all share."""

from __future__ import annotations

import posixpath
from collections.abc import Container
from dataclasses import replace

from uvbake.errors import UvbakeError
from uvbake.load.records import Member, Workspace
from uvbake.plan import handlers, pathdeps, python, roles, wheels
from uvbake.plan import packages as packages_of
from uvbake.plan.layers import Layer, partition
from uvbake.plan.records import (
    Function,
    LibraryPlan,
    Plan,
    ServicePlan,
    Skipped,
    inside,
)
from uvbake.plan.wheels import Target
from uvbake.scan.declared import DeclaredFunction
from uvbake.scan.scanner import Scan
from uvbake.scan.tree import Tree
from uvbake.uvlock.closure import runtime_closure, split_packages
from uvbake.uvlock.lock import LockedPackage, SourceKind, git_packages, local_packages
from uvbake.uvlock.markers import marker_environment


def _check_path(member: Member) -> None:
    if not packages_of.SAFE_PATH.match(member.path.as_posix()):
        raise UvbakeError(
            member.pyproject,
            f"folder {member.path.as_posix()!r} has characters uvbake will not put in a Dockerfile",
            "rename the folder to ASCII letters, digits and . _ - + @",
        )


def _build_files(tree: Tree, ws: Workspace, member: Member) -> tuple[str, ...]:
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
        packages_of.check_file(tree, path, member=member, key=key, value=value)
        if not inside(path, folder):
            packages_of.check_safe(path, where=member.pyproject)
            out.append(path)
    return tuple(sorted(set(out)))


def _library(tree: Tree, ws: Workspace, member: Member) -> LibraryPlan:
    _check_path(member)
    kind = "workspace member" if ws.member(member.name) is not None else "path dependency"
    if member.packaged and not member.is_root:
        return LibraryPlan(
            member=member,
            install=True,
            files=_build_files(tree, ws, member),
            copies=(),
            # dynamic versions are not locked: 0.0.0 then
            scm_version=(member.version or "0.0.0") if member.scm_versioned else None,
            kind=kind,
        )
    return LibraryPlan(
        member=member,
        install=False,
        files=(),
        copies=packages_of.source_copies(tree, ws, member),
        kind=kind,
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
        url = package.source[SourceKind.GIT].split("#", 1)[0]
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
        what = f"the local index folder '{where}'" if kind == SourceKind.REGISTRY else f"'{where}'"
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
    tree: Tree,
    names: frozenset[str],
    libraries: dict[str, LibraryPlan],
    declared: tuple[DeclaredFunction, ...] = (),
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
            libraries[lib.name] = _library(tree, ws, lib)
    functions = _with_code(tree, ws, member, handlers.choose(tree, ws, member, declared=declared))
    app = packages_of.app_sources(tree, ws, member, *(f.handler for f in functions if not f.app))
    if member.settings.handler is not None or member.settings.functions is not None:
        for function in functions:
            handlers.check(tree, ws, member, function.handler, function.app or app)
    return ServicePlan(
        name=member.name,
        member=member,
        handler=functions[0].handler,
        functions=functions if functions[0].name is not None else (),
        declared=functions[0].declared if functions[0].name is None else None,
        base_dockerfile=pathdeps.base_dockerfile(tree, member),
        platform=platform,
        base_image=member.settings.base_image,
        libraries=tuple(
            libraries[m.name] for m in sorted(closure, key=lambda m: m.path.as_posix())
        ),
        third_party=tuple(sorted(third)),
        app=functions[0].app if functions[0].name is None and functions[0].app else app,
        reason=reason,
        target=target,
        pins=tuple(
            wheels.pin(p, target, glibc_from=glibc_from) for p in ws.lock.pinned(sorted(third))
        ),
    )


def _with_code(
    tree: Tree, ws: Workspace, member: Member, functions: tuple[Function, ...]
) -> tuple[Function, ...]:
    """A handler in a loose module of a flat layout (app.py beside pyproject.toml, or beside
    helpers.py and data files) ships every module and data file beside it, as Lambda would
    load that folder; other handlers ship the member's import packages."""
    if member.settings.packages:
        return functions
    base = packages_of.source_root(tree, member)
    packaged = {a.dest for a in packages_of.discovered_packages(tree, ws, member)}
    out = []
    for function in functions:
        top = function.handler.split(".")[0]
        loose = tree.has_file(f"{base.as_posix()}/{top}.py") and top not in packaged
        if function.app or not loose or function.handler.count(".") != 1:
            out.append(function)
            continue
        out.append(
            replace(function, app=packages_of.ship(tree, base.as_posix(), members=ws.members))
        )
    return tuple(out)


def plan(ws: Workspace, scanned: Scan, *, strict: bool = True) -> Plan:
    """Decide every service's image. A member matched as a service by a glob that has no
    handler is left out with a warning; any other problem of a service stops planning, or
    with `strict` off (for `uvbake list`) leaves that service out too, with its problem."""
    the_roles = roles.roles(ws, scanned)
    services = []
    libraries = []
    skipped = []
    planned: dict[str, LibraryPlan] = {}
    names = frozenset(m.name for m in ws.members) | ws.missing
    for member in ws.members:
        found = the_roles[member.name]
        if not found.service:
            libraries.append(member)
            continue
        try:
            services.append(
                _plan_service(
                    ws,
                    member,
                    found.reason,
                    tree=scanned.tree,
                    names=names,
                    libraries=planned,
                    declared=scanned.of(member.name),
                )
            )
        except handlers.NoHandler as error:
            if member.settings.service and strict:
                raise
            skipped.append(Skipped(member=member, problem=error))
        except UvbakeError as error:
            if strict:
                raise
            skipped.append(Skipped(member=member, problem=error))
    needs = {s.name: (s.target, s.pins) for s in services}
    layers, per_service = partition(
        needs,
        max_layers=ws.settings.max_layers,
        min_shared=ws.settings.min_shared_layer_kb * 1000,
    )
    with_indexes = {layer.name: _with_indexes(ws, layer) for layer in layers}
    layers = tuple(with_indexes[layer.name] for layer in layers)
    per_service = {
        name: tuple(with_indexes[layer.name] for layer in own) for name, own in per_service.items()
    }
    return Plan(
        workspace=ws,
        services=tuple(replace(s, layers=per_service[s.name]) for s in services),
        libraries=tuple(libraries),
        layers=layers,
        roles=the_roles,
        handlers={m.name: roles.handler_of(ws, m, scanned) for m in libraries},
        scanned=scanned,
        skipped=tuple(skipped),
        warnings=_warnings(scanned, skipped) + python.check(ws, services),
        no_service=None if services else _no_service(ws, scanned, skipped),
    )


def _with_indexes(ws: Workspace, layer: Layer) -> Layer:
    """The layer with the indexes other than PyPI that installing its pins queries."""
    pins = ws.lock.pinned([(p.name, p.version) for p in layer.pins])
    return replace(layer, indexes=ws.indexes_for(pins))


def _warnings(scanned: Scan, skipped: list[Skipped]) -> tuple[str, ...]:
    """Declaration files that could not be read, declared functions that are not built, and
    services left out."""
    out = [f"{p} (declaration left out)" for p in scanned.problems]
    for f in scanned.functions:
        unusable = f.member is None or f.handler is None
        if f.problem is not None and unusable:
            out.append(f"{f.where}: function {f.declared.name} is not built: {f.problem}")
    out.extend(f"{s.problem.line()} (service '{s.member.name}' left out)" for s in skipped)
    return tuple(out)


class NoService(UvbakeError):
    """No member is a service: `uvbake list` still explains every member."""


def _no_service(ws: Workspace, scanned: Scan, skipped: list[Skipped]) -> UvbakeError:
    """The error of a workspace without services, naming the members that look like Lambdas
    and the `services` line that makes them services."""
    if skipped:
        return skipped[0].problem
    found = roles.lambda_like(ws, scanned)
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
