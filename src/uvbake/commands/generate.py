"""`uvbake generate`: write the bake file, the Dockerfile and its dockerignore."""

from __future__ import annotations

from pathlib import Path

from uvbake import api, writer
from uvbake.commands.files import stale, write_or_check
from uvbake.console import Console


def run(
    *, root: Path, check: bool, stdout: bool, force: bool = False, console: Console | None = None
) -> int:
    console = console or Console()
    _, files = api.generated_files(root, console=console)
    if stdout:
        for name in sorted(files):
            console.out.write(f"# ===== {name} =====\n{files[name]}")
        if check:
            return stale(writer.changes(root, files), command="generate", console=console)
        return 0
    return write_or_check(
        root=root, files=files, check=check, command="generate", console=console, force=force
    )
