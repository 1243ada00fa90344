"""`uvbake generate`: write the bake file, the Dockerfile and its dockerignore."""

from __future__ import annotations

from pathlib import Path

from uvbake import api, writer
from uvbake.commands.files import stale, text_of, write_or_check
from uvbake.console import Console
from uvbake.report.dropped import dropped


def run(
    *, root: Path, check: bool, stdout: bool, force: bool = False, console: Console | None = None
) -> int:
    console = console or Console()
    the_plan, files = api.generated_files(root, console=console)
    bake_file = the_plan.workspace.settings.bake_file
    previous = text_of(root / bake_file)
    for gone in dropped(previous, the_plan):
        console.warn(gone.line(bake_file=bake_file))
    if stdout:
        for name in sorted(files):
            console.out.write(f"# ===== {name} =====\n{files[name]}")
        if check:
            return stale(writer.changes(root, files), command="generate", console=console)
        return 0
    code = write_or_check(
        root=root,
        files=files,
        check=check,
        command="generate",
        console=console,
        force=force,
        bake_file=bake_file,
    )
    if check:
        if code == 0:
            names = ", ".join(sorted(files))
            console.status(f"uvbake: checked {names}: each is what uvbake would write")
        return code
    from uvbake.report.summary import summary

    for line in summary(the_plan, previous_bake_file=previous):
        console.note(line)
    return code
