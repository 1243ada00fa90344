"""`uvbake affected` and `uvbake matrix`: the services a change since a git ref touches."""

from __future__ import annotations

from pathlib import Path

from uvbake import api
from uvbake.console import Console
from uvbake.plan.planner import Plan


def services_since(the_plan: Plan, root: Path, ref: str | None) -> tuple[str, ...]:
    """Every service without `ref`, else those a change since `ref` affects."""
    if ref is None:
        return tuple(s.name for s in the_plan.services)
    from uvbake.report import affected

    changes = affected.since(root, ref, bake_file=the_plan.workspace.settings.bake_file)
    return affected.affected(
        the_plan,
        paths=changes.paths,
        old_lock=changes.old_lock,
        old_dockerfile=changes.old_dockerfile,
        dockerfile=changes.dockerfile,
        old_bake_file=changes.old_bake_file,
        bake_file=changes.bake_file,
    )


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
