"""`uvbake ci github`: the GitHub Actions workflow that builds what a change affects."""

from __future__ import annotations

from pathlib import Path

from uvbake import api, git
from uvbake.commands.files import write_or_check
from uvbake.console import Console


def github(*, root: Path, check: bool, force: bool = False, console: Console | None = None) -> int:
    console = console or Console()
    from uvbake.render import workflow

    the_plan = api.planned(root, console=console)
    top, workdir = git.top(root)
    files = workflow.render_files(the_plan, workdir=workdir)
    code = write_or_check(
        root=top, files=files, check=check, command="ci github", console=console, force=force
    )
    if not check:
        for line in workflow.first_release(the_plan):
            console.note(line)
    return code
