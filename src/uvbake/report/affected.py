"""Which services' images change between a git revision and the working tree.

`changed_paths` and `lock_at` read git; `affected` is pure: a plan, the changed paths and the
lock at the revision in, the names of the affected services out.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from uvbake.edits import OVERRIDE_FILE
from uvbake.errors import UvbakeError
from uvbake.load.config import MACHINES
from uvbake.load.workspace import Member
from uvbake.plan.planner import Plan, ServicePlan
from uvbake.render.files import BAKEFILE, DOCKERFILE, DOCKERIGNORE, stage_name
from uvbake.render.stages import stage_digests
from uvbake.render.targets import target_digests
from uvbake.uvlock.closure import marker_environment, split_closure
from uvbake.uvlock.lock import Lock, load_lock

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
    # the generated bake file at `ref` and in the working tree, when it changed
    old_bake_file: str | None = None
    bake_file: str | None = None


def _git(root: Path, *args: str, ref: str, bad: str = "") -> str:
    if not root.is_dir():
        raise UvbakeError(root, "is not a folder", "pass the workspace root with --root")
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, encoding="utf-8", errors="replace"
        )
    except FileNotFoundError:
        raise UvbakeError(root, "git is not installed", "install git") from None
    except OSError as exc:
        raise UvbakeError(root, f"cannot run git ({exc.strerror})", "check the folder") from None
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["git failed"])[-1]
        if "not a git repository" in message:
            raise UvbakeError(root, "is not inside a git repository", "run uvbake in a git clone")
        raise UvbakeError(
            f"--since {ref}", bad or f"git {args[0]} failed ({message})", "pass a commit or branch"
        )
    return done.stdout


def _fields(text: str) -> list[str]:
    return [f for f in text.split("\0") if f]


def _name_status(text: str) -> list[str]:
    """Paths of `git diff --name-status -z`: both sides of renames and copies."""
    fields = _fields(text)
    paths = []
    i = 0
    while i < len(fields):
        status = fields[i]
        width = 2 if status[:1] in ("R", "C") else 1
        paths.extend(fields[i + 1 : i + 1 + width])
        i += 1 + width
    return paths


def _relative(paths: Iterable[str], prefix: str) -> frozenset[str]:
    """Repository paths under `prefix` (the workspace folder), made relative to it."""
    return frozenset(p[len(prefix) :] for p in paths if p.startswith(prefix))


def changed_paths(root: Path, ref: str) -> tuple[str, frozenset[str]]:
    """(prefix of the workspace in the repository, changed paths relative to the workspace)."""
    prefix = _git(root, "rev-parse", "--show-prefix", ref=ref).strip()
    if not ref or ref.startswith("-"):
        raise UvbakeError(f"--since {ref}", "is not a git revision", "pass a commit or branch")
    bad = "names no commit in this repository"
    _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", ref=ref, bad=bad)
    options = ("--name-status", "-z", "-M", "--no-color", "--no-ext-diff", "--no-relative")
    diff = _git(root, "diff", *options, ref, "--", ref=ref)
    untracked = _git(
        root, "ls-files", "--others", "--exclude-standard", "--full-name", "-z", ref=ref
    )
    return prefix, _relative([*_name_status(diff), *_fields(untracked)], prefix)


def _show(root: Path, spec: str) -> bytes | None:
    """A file as git has it at `spec` (REV:PATH), or None when it is not there."""
    try:
        done = subprocess.run(["git", "show", spec], cwd=root, capture_output=True)
    except OSError as exc:
        raise UvbakeError(root, f"cannot run git ({exc.strerror})", "install git") from None
    return done.stdout if done.returncode == 0 else None


def lock_at(root: Path, ref: str, *, prefix: str) -> Lock | None:
    """The workspace's uv.lock as it was at `ref`, or None when it is missing or unreadable."""
    spec = f"{ref}:{prefix}{LOCKFILE}"
    old = _show(root, spec)
    if old is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / LOCKFILE
        path.write_bytes(old)
        try:
            return load_lock(path, display=spec)
        except UvbakeError:  # an unreadable old lock compares as a missing one: all changed
            return None


def _both(root: Path, ref: str, *, prefix: str, name: str) -> tuple[str | None, str | None]:
    """A generated file's text at `ref` and in the working tree (None where it is not)."""
    before = _show(root, f"{ref}:{prefix}{name}")
    try:
        now: str | None = (root / name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        now = None
    return (before.decode("utf-8", errors="replace") if before is not None else None), now


def since(root: Path, ref: str, *, bake_file: str = BAKEFILE) -> Since:
    """What changed since `ref`; the two texts of the generated Dockerfile and of the bake
    file named `bake_file` when they changed."""
    prefix, paths = changed_paths(root, ref)
    old = lock_at(root, ref, prefix=prefix) if LOCKFILE in paths else None
    dockerfiles = _both(root, ref, prefix=prefix, name=DOCKERFILE) if DOCKERFILE in paths else None
    bakes = _both(root, ref, prefix=prefix, name=bake_file) if bake_file in paths else None
    return Since(
        ref=ref,
        paths=paths,
        old_lock=old,
        old_dockerfile=dockerfiles[0] if dockerfiles else None,
        dockerfile=dockerfiles[1] if dockerfiles else None,
        old_bake_file=bakes[0] if bakes else None,
        bake_file=bakes[1] if bakes else None,
    )


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
        EVERYTHING if plan.workspace.settings.bake_file == BAKEFILE else {*EVERYTHING, BAKEFILE}
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
