"""`uvbake check`: findings about the workspace that a build would not report clearly."""

from __future__ import annotations

from pathlib import Path

from uvbake import api
from uvbake.commands.files import text_of
from uvbake.console import Console
from uvbake.plan.records import Plan
from uvbake.report.finding import Finding


def run(*, root: Path, console: Console | None = None) -> int:
    console = console or Console()
    from uvbake.report import findings

    the_plan = api.planned(root, console=console)
    found = [*findings.check(the_plan), *_dropped(root, the_plan)]
    for finding in found:
        console.out.write(finding.line() + "\n")
    if not found:
        console.status(f"uvbake: checked {findings.checked(the_plan)}: no findings")
    return 1 if found else 0


def _dropped(root: Path, the_plan: Plan) -> list[Finding]:
    """A finding for each target the bake file on disk builds and the plan no longer does."""
    from uvbake.report.dropped import dropped

    bake_file = the_plan.workspace.settings.bake_file
    return [
        Finding(bake_file, f"target '{d.target}' was built and no longer is ({d.why})", _FIX)
        for d in dropped(text_of(root / bake_file), the_plan)
    ]


_FIX = "make it a Lambda function again, or run `uvbake generate` to stop building it"
