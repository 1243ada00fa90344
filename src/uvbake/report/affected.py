"""Which services' images change between a git revision and the working tree, told from
what git answered (`uvbake.git`; `commands.affected.changes_since` asks it): a plan, the changed
paths and the lock at the revision in, the names of the affected services out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from uvbake.errors import UvbakeError
from uvbake.load.config import MACHINES
from uvbake.load.records import Member
from uvbake.names import BAKE_FILE, DOCKERFILE, DOCKERIGNORE, stage_name
from uvbake.plan.records import Plan, ServicePlan
from uvbake.render.stages import stage_digests
from uvbake.uvlock.closure import split_closure
from uvbake.uvlock.lock import Lock
from uvbake.uvlock.markers import marker_environment

LOCKFILE = "uv.lock"
# Files at the workspace root that every image depends on (with the bake file, whatever its
# name, and .dockerignore, which the generated one copies in). The Dockerfile changes with
# every lock change (it holds the pins), so a change of it is weighed stage by stage instead.
EVERYTHING = frozenset({"pyproject.toml", ".python-version", BAKE_FILE, DOCKERIGNORE})


@dataclass(frozen=True)
class Since:
    """What changed since a revision: paths relative to the workspace root, and the old lock."""

    ref: str
    paths: frozenset[str]
    old_lock: Lock | None
    # the generated Dockerfile at `ref` and in the working tree, when it changed
    old_dockerfile: str | None = None
    dockerfile: str | None = None
    # the bake file at `ref`, for the targets it built that the plan no longer does
    old_bake: str | None = None


def relative(paths: Iterable[str], prefix: str) -> frozenset[str]:
    """Repository paths under `prefix` (the workspace folder), made relative to it."""
    return frozenset(p[len(prefix) :] for p in paths if p.startswith(prefix))


def _third_party_at(
    plan: Plan, service: ServicePlan, lock: Lock
) -> frozenset[tuple[str, str]] | None:
    """The third-party pins the service installs from an older `lock`, or None if it cannot say."""
    env = marker_environment(
        machine=MACHINES[service.platform], python=plan.workspace.settings.python
    )
    start = lock.candidates(service.name)
    if not start:
        return None
    members = {m.name for m in _members(plan)}
    try:
        return split_closure(lock, start[0], env=env, members=members)[1]
    except UvbakeError:
        return None


def _members(plan: Plan) -> list[Member]:
    """The workspace members and the path-dependency folders some service builds."""
    found = {m.name: m for m in plan.workspace.members}
    for lib in plan.shipped:
        found.setdefault(lib.member.name, lib.member)
    return list(found.values())


def _owner(plan: Plan, path: str) -> str | None:
    """The member whose folder holds `path` (the deepest one); the root project owns nothing."""
    best: tuple[int, str] | None = None
    for member in _members(plan):
        folder = member.path.as_posix()
        if folder != "." and path.startswith(f"{folder}/"):
            depth = len(member.path.parts)
            if best is None or depth > best[0]:
                best = (depth, member.name)
    return best[1] if best else None


def _in_app(service: ServicePlan, path: str) -> bool:
    """Whether `path` is in the service's code, in a library it ships as source (the root
    project's packages too), is a file outside a library folder that its build reads, or is
    the service's base Dockerfile."""
    sources = [a.source for a in (*service.app, *service.copies)]
    if path == service.base_dockerfile:
        return True
    return path in service.build_files or any(
        path == source or path.startswith(f"{source}/") for source in sources
    )


def affected(
    plan: Plan,
    *,
    paths: Iterable[str],
    old_lock: Lock | None,
    old_dockerfile: str | None = None,
    dockerfile: str | None = None,
) -> tuple[str, ...]:
    """Names of the services whose image changes when `paths` change (sorted). When the
    generated Dockerfile is among them, a service is affected if a stage its image is built
    from changed between `old_dockerfile` and `dockerfile` (all are, without both texts)."""
    changed = {PurePosixPath(p).as_posix() for p in paths}
    services = plan.services
    if changed & {*EVERYTHING, plan.workspace.settings.bake_file, ".dockerignore"}:
        return tuple(sorted(s.name for s in services))
    if DOCKERFILE in changed:
        if old_dockerfile is None or dockerfile is None:
            return tuple(sorted(s.name for s in services))
        old_stages, new_stages = stage_digests(old_dockerfile), stage_digests(dockerfile)
        rebuilt = {
            s.name
            for s in services
            if old_stages.get(stage_name(s.name)) != new_stages.get(stage_name(s.name))
        }
    else:
        rebuilt = set()
    touched = {owner for p in changed if (owner := _owner(plan, p)) is not None}
    hit = rebuilt
    for service in services:
        local = {service.name, *(m.name for m in service.closure)}
        if local & touched or any(_in_app(service, p) for p in changed):
            hit.add(service.name)
    if LOCKFILE in changed:
        for service in services:
            before = _third_party_at(plan, service, old_lock) if old_lock is not None else None
            if before is None or before != frozenset(service.third_party):
                hit.add(service.name)
    return tuple(sorted(hit))
