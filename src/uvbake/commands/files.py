"""Writing generated files, or with --check telling which are stale: shared by `generate` and
`ci github`."""

from __future__ import annotations

from pathlib import Path

from uvbake import writer
from uvbake.console import Console
from uvbake.errors import UvbakeError
from uvbake.names import BAKE_FILE, MARK


def stale(pending: list[writer.Change], *, command: str, console: Console) -> int:
    """Exit 1 naming the stale files, else 0."""
    if pending:
        names = ", ".join(c.path for c in pending)
        console.err.write(f"uvbake: stale: {names}; run `uvbake {command}`\n")
        return 1
    return 0


def write_or_check(
    *,
    root: Path,
    files: dict[str, str],
    check: bool,
    command: str,
    console: Console,
    force: bool = False,
) -> int:
    """Write `files` atomically, or with `check` print their diff and exit 1 when stale.
    A file uvbake did not write is replaced only with `force`."""
    pending = writer.changes(root, files)
    taken = writer.foreign(pending)
    if taken and not force:
        fix = f"move it away, or run `uvbake {command} --force` to replace it"
        if taken[0] == BAKE_FILE:
            fix = (
                f"move it away, run `uvbake {command} --force` to replace it, or set "
                '[tool.uvbake] bake-file = "uvbake.hcl" to write uvbake\'s under that name'
            )
        raise UvbakeError(
            taken[0],
            f"exists and was not written by uvbake (it has no '{MARK}' line)",
            fix,
        )
    if check:
        for change in pending:
            console.out.write(change.diff())
        return stale(pending, command=command, console=console)
    writer.apply(root, pending)
    for name in sorted(files):
        state = "wrote" if any(c.path == name for c in pending) else "unchanged"
        console.note(f"{state} {name}")
    return 0
