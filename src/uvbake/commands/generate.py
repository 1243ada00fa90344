"""`uvbake generate`: write the bake file, the Dockerfile and its dockerignore."""

from __future__ import annotations

from pathlib import Path

from uvbake import api, writer
from uvbake.commands.files import stale, write_or_check
from uvbake.console import Console
from uvbake.report.dropped import dropped


def run(
    *, root: Path, check: bool, stdout: bool, force: bool = False, console: Console | None = None
) -> int:
    console = console or Console()
    the_plan, files = api.generated_files(root, console=console)
    bake_file = the_plan.workspace.settings.bake_file
    for change in writer.changes(root, {bake_file: files[bake_file]}):
        for gone in dropped(change.old, the_plan):
            console.warn(gone.line(bake_file=bake_file))
    if stdout:
        for name in sorted(files):
            console.out.write(f"# ===== {name} =====\n{files[name]}")
        if check:
            return stale(writer.changes(root, files), command="generate", console=console)
        return 0
    return write_or_check(
        root=root, files=files, check=check, command="generate", console=console, force=force
    )
