"""`uvbake affected` and `uvbake matrix`: the services a change since a git ref touches."""

from __future__ import annotations

from pathlib import Path

from uvbake import api, git
from uvbake.console import Console
from uvbake.errors import UvbakeError
from uvbake.names import BAKE_FILE, DOCKERFILE
from uvbake.plan.records import Plan
from uvbake.report import affected
from uvbake.report.affected import LOCKFILE, Since
from uvbake.uvlock.lock import Lock, parse_lock


def _lock_at(root: Path, ref: str, *, prefix: str) -> Lock | None:
    """The workspace's uv.lock as it was at `ref`, or None when it is missing or unreadable."""
    spec = f"{ref}:{prefix}{LOCKFILE}"
    old = git.show(root, spec)
    if old is None:
        return None
    try:
        return parse_lock(old, path=root / LOCKFILE, display=spec)
    except UvbakeError:  # an unreadable old lock compares as a missing one: all changed
        return None


def changes_since(root: Path, ref: str, *, bake_file: str = BAKE_FILE) -> Since:
    """What changed in the workspace at `root` since `ref`, as git tells it."""
    prefix, changed = git.changed(root, ref)
    paths = affected.relative(changed, prefix)
    old = _lock_at(root, ref, prefix=prefix) if LOCKFILE in paths else None
    old_bake = git.show_text(root, f"{ref}:{prefix}{bake_file}")
    if DOCKERFILE not in paths:
        return Since(ref=ref, paths=paths, old_lock=old, old_bake=old_bake)
    before = git.show_text(root, f"{ref}:{prefix}{DOCKERFILE}")
    try:
        now = (root / DOCKERFILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        now = None
    return Since(
        ref=ref,
        paths=paths,
        old_lock=old,
        old_dockerfile=before,
        dockerfile=now,
        old_bake=old_bake,
    )


def services_since(the_plan: Plan, root: Path, ref: str | None) -> tuple[str, ...]:
    """Every service without `ref`, else those a change since `ref` affects."""
    if ref is None:
        return tuple(s.name for s in the_plan.services)
    from uvbake.report.dropped import dropped

    changes = changes_since(root, ref, bake_file=the_plan.workspace.settings.bake_file)
    names = affected.affected(
        the_plan,
        paths=changes.paths,
        old_lock=changes.old_lock,
        old_dockerfile=changes.old_dockerfile,
        dockerfile=changes.dockerfile,
    )
    # A function the bake file at `ref` built and the plan no longer does: its service is
    # affected (CI must say so rather than stop building it in silence).
    gone = [d.service for d in dropped(changes.old_bake, the_plan) if d.service]
    return tuple(dict.fromkeys([*names, *gone]))


def run(*, root: Path, since: str, as_json: bool, console: Console | None = None) -> int:
    import json

    console = console or Console()
    names = services_since(api.planned(root, console=console), root, since)
    text = json.dumps(list(names)) + "\n" if as_json else "".join(f"{n}\n" for n in names)
    console.out.write(text)
    return 0


def matrix(
    *,
    root: Path,
    since: str | None,
    shards: int | None,
    fmt: str,
    console: Console | None = None,
) -> int:
    console = console or Console()
    from uvbake.report import matrix as matrix_mod

    the_plan = api.planned(root, console=console)
    names = services_since(the_plan, root, since)
    data = matrix_mod.matrix(the_plan, services=names, shards=shards)
    console.out.write(matrix_mod.format_matrix(data, fmt=fmt))
    return 0
