"""Which services' images change between a git revision and the working tree, told from
what git answered (`uvbake.git`; `commands.affected.changes_since` asks it): a plan, the changed
paths and the lock at the revision in, the names of the affected services out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from uvbake.edits import OVERRIDE_FILE
from uvbake.errors import UvbakeError
from uvbake.load.records import Member
from uvbake.names import BAKE_FILE, DOCKERFILE, DOCKERIGNORE, stage_name
from uvbake.plan.records import Plan, ServicePlan
from uvbake.render.stages import stage_digests
from uvbake.render.targets import target_digests
from uvbake.runtime import MACHINES
from uvbake.uvlock.closure import split_closure
from uvbake.uvlock.lock import Lock
from uvbake.uvlock.markers import marker_environment

LOCKFILE = "uv.lock"
# Files at the workspace root that every image depends on (with .dockerignore, which the
# generated one copies in, and the override file buildx lays over the bake file). The
# generated Dockerfile and bake file are weighed stage by stage and target by target instead:
# the Dockerfile changes with every lock change (it holds the pins), the bake file with a
# service's description or version (its labels).
EVERYTHING = frozenset(
    {"pyproject.toml", ".python-version", DOCKERIGNORE, ".dockerignore", OVERRIDE_FILE}
)


@dataclass(frozen=True)
class Since:
    """What changed since a revision: paths relative to the workspace root, and the old lock."""

    ref: str
    paths: frozenset[str]
    old_lock: Lock | None
    # the generated Dockerfile at `ref` and in the working tree, when it changed
    old_dockerfile: str | None = None
    dockerfile: str | None = None
    # the bake file at `ref` (for the targets it built that the plan no longer does), and in
    # the working tree when it changed
    old_bake_file: str | None = None
    bake_file: str | None = None


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


def _changed_stages(services: Iterable[ServicePlan], old: str | None, new: str | None) -> set[str]:
    """The services whose final stage (or one it builds from) differs; all without both."""
    if old is None or new is None:
        return {s.name for s in services}
    before, after = stage_digests(old), stage_digests(new)
    return {
        s.name for s in services if before.get(stage_name(s.name)) != after.get(stage_name(s.name))
    }


def _changed_targets(services: Iterable[ServicePlan], old: str | None, new: str | None) -> set[str]:
    """The services one of whose bake targets (or one it inherits) differs; all without both
    texts or when either is not a bake file as uvbake writes it."""
    before = target_digests(old) if old is not None else None
    after = target_digests(new) if new is not None else None
    if before is None or after is None:
        return {s.name for s in services}
    return {
        s.name
        for s in services
        if any(before.get(target) != after.get(target) for target, _ in s.targets)
    }


def affected(
    plan: Plan,
    *,
    paths: Iterable[str],
    old_lock: Lock | None,
    old_dockerfile: str | None = None,
    dockerfile: str | None = None,
    old_bake_file: str | None = None,
    bake_file: str | None = None,
) -> tuple[str, ...]:
    """Names of the services whose image changes when `paths` change (sorted). When the
    generated Dockerfile is among them, a service is affected if a stage its image is built
    from changed between `old_dockerfile` and `dockerfile`; when the generated bake file is,
    if one of its targets changed between `old_bake_file` and `bake_file` (all are, without
    both texts)."""
    changed = {PurePosixPath(p).as_posix() for p in paths}
    services = plan.services
    everything = (
        EVERYTHING if plan.workspace.settings.bake_file == BAKE_FILE else {*EVERYTHING, BAKE_FILE}
    )
    if changed & everything:
        return tuple(sorted(s.name for s in services))
    rebuilt: set[str] = set()
    if DOCKERFILE in changed:
        rebuilt |= _changed_stages(services, old_dockerfile, dockerfile)
    if plan.workspace.settings.bake_file in changed:
        rebuilt |= _changed_targets(services, old_bake_file, bake_file)
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
