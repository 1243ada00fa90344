"""`uvbake generate`: write the bake file, the Dockerfile and its dockerignore."""

from __future__ import annotations

import time
from pathlib import Path

from uvbake.commands import memo
from uvbake.console import Console, Recording


def replayed(*, root: Path, console: Console, started_ns: int) -> bool:
    """Whether the memory of the last run (commands.memo) answers a run that started at
    `started_ns`: then its lines are printed again, and nothing is written but the memory."""
    found = memo.recall(root, started_ns=started_ns)
    if found is None:
        return False
    for said in found.memo.lines:
        (console.warn if said.kind == "warn" else console.note)(said.text)
    if found.renewed is not None:
        from uvbake import writer

        writer.remember(memo.place(root), memo.dumps(found.renewed))
    return True


def run(
    *, root: Path, check: bool, stdout: bool, force: bool = False, console: Console | None = None
) -> int:
    console = console or Console()
    started_ns = time.time_ns()
    writing = not check and not stdout
    if writing and replayed(root=root, console=console, started_ns=started_ns):
        return 0
    # Loading, planning, rendering and writing are imported only now: a remembered run needs
    # none of them.
    from uvbake import api, writer
    from uvbake.commands.files import stale, text_of, write_or_check
    from uvbake.report.dropped import dropped

    recording = Recording(
        out=console.out, err=console.err, quiet=console.quiet, verbose=console.verbose
    )
    the_plan, files = api.generated_files(root, console=recording)
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
    if code == 0:
        # What a run would print now that the files are written: no target dropped since.
        again = (
            *(memo.Line("warn", text) for text in recording.warnings),
            *(memo.Line("note", f"unchanged {name}") for name in sorted(files)),
            *(
                memo.Line("note", line)
                for line in summary(the_plan, previous_bake_file=files[bake_file])
            ),
        )
        from uvbake.scan.facts import recorded

        kept = memo.made(
            root,
            outputs=files,
            lines=again,
            named=the_plan.scanned.named,
            facts=recorded(the_plan.scanned, root=root),
            started_ns=started_ns,
        )
        writer.remember(memo.place(root), memo.dumps(kept))
    return code
