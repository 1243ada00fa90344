"""`uvbake check`: findings about the workspace that a build would not report clearly."""

from __future__ import annotations

from pathlib import Path

from uvbake import api
from uvbake.console import Console


def run(*, root: Path, console: Console | None = None) -> int:
    console = console or Console()
    from uvbake.report import findings

    the_plan = api.planned(root, console=console)
    found = findings.check(the_plan)
    for finding in found:
        console.out.write(finding.line() + "\n")
    if not found:
        console.status(f"uvbake: checked {findings.checked(the_plan)}: no findings")
    return 1 if found else 0
