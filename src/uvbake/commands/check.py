"""`uvbake check`: findings about the workspace that a build would not report clearly."""

from __future__ import annotations

from pathlib import Path

from uvbake import api
from uvbake.console import Console


def run(*, root: Path, console: Console | None = None) -> int:
    console = console or Console()
    from uvbake.report import findings

    found = findings.check(api.planned(root, console=console))
    for finding in found:
        console.out.write(finding.line() + "\n")
    return 1 if found else 0
