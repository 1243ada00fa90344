"""`uvbake affected` and `uvbake matrix`: the services a change since a git ref touches."""

from __future__ import annotations

from pathlib import Path

from uvbake import api, git
from uvbake.commands.files import text_of
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


def _text_at(root: Path, ref: str, *, prefix: str, name: str) -> tuple[str | None, str | None]:
    """A workspace file's text at `ref` and in the working tree (None where it is not)."""
    return git.show_text(root, f"{ref}:{prefix}{name}"), text_of(root / name)


def changes_since(root: Path, ref: str, *, bake_file: str = BAKE_FILE) -> Since:
    """What changed in the workspace at `root` since `ref`, as git tells it: the paths, the
    old lock when it changed, the generated Dockerfile's two texts when it changed, and the
    bake file at `ref` (its text now too when it changed)."""
    prefix, changed = git.changed(root, ref)
    paths = affected.relative(changed, prefix)
    old = _lock_at(root, ref, prefix=prefix) if LOCKFILE in paths else None
    dockerfiles = (
        _text_at(root, ref, prefix=prefix, name=DOCKERFILE) if DOCKERFILE in paths else None
    )
    old_bake, bake_now = _text_at(root, ref, prefix=prefix, name=bake_file)
    return Since(
        ref=ref,
        paths=paths,
        old_lock=old,
        old_dockerfile=dockerfiles[0] if dockerfiles else None,
        dockerfile=dockerfiles[1] if dockerfiles else None,
        old_bake_file=old_bake,
        bake_file=bake_now if bake_file in paths else None,
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
        old_bake_file=changes.old_bake_file,
        bake_file=changes.bake_file,
    )
    # A function the bake file at `ref` built and the plan no longer does: its service is
    # affected (CI must say so rather than stop building it in silence).
    gone = [d.service for d in dropped(changes.old_bake_file, the_plan) if d.service]
    return tuple(dict.fromkeys([*names, *gone]))


def run(*, root: Path, since: str, as_json: bool, console: Console | None = None) -> int:
    import json

    console = console or Console()
    the_plan = api.planned(root, console=console)
    names = services_since(the_plan, root, since)
    text = json.dumps(list(names)) + "\n" if as_json else "".join(f"{n}\n" for n in names)
    console.out.write(text)
    console.status(
        f"uvbake: compared the working tree with {since}: {len(names)} of "
        f"{len(the_plan.services)} services affected"
    )
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
