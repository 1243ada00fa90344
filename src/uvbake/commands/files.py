"""Writing generated files, or with --check telling which are stale: shared by `generate` and
`ci github`."""

from __future__ import annotations

from pathlib import Path

from uvbake import edits, writer
from uvbake.console import Console
from uvbake.errors import UvbakeError
from uvbake.names import BAKE_FILE, MARK


def text_of(path: Path) -> str | None:
    """A file's text, or None where it is missing or not UTF-8 text."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def stale(pending: list[writer.Change], *, command: str, console: Console) -> int:
    """Exit 1 naming the stale files, else 0."""
    if pending:
        names = ", ".join(c.path for c in pending)
        console.err.write(f"uvbake: stale: {names}; run `uvbake {command}`\n")
        return 1
    return 0


def _refuse_foreign(pending: list[writer.Change], *, command: str) -> None:
    taken = writer.foreign(pending)
    if not taken:
        return
    fix = f"move it away, or run `uvbake {command} --force` to replace it"
    if taken[0] == BAKE_FILE:
        fix = (
            f"move it away, run `uvbake {command} --force` to replace it, or set "
            '[tool.uvbake] bake-file = "uvbake.hcl" to write uvbake\'s under that name'
        )
    raise UvbakeError(
        taken[0], f"exists and was not written by uvbake (it has no '{MARK}' line)", fix
    )


def _refuse_edited(pending: list[writer.Change], *, command: str, bake_file: str) -> None:
    edited = [c.path for c in pending if c.old is not None and edits.edited(c.old)]
    if edited:
        raise UvbakeError(
            edited[0],
            f"was edited by hand after uvbake wrote it, and `uvbake {command}` would undo that",
            edits.where_to_keep(edited[0], bake_file=bake_file, command=command),
        )


def write_or_check(
    *,
    root: Path,
    files: dict[str, str],
    check: bool,
    command: str,
    console: Console,
    force: bool = False,
    bake_file: str = BAKE_FILE,
) -> int:
    """Write `files` atomically, or with `check` print their diff and exit 1 when stale.
    A file uvbake did not write, or one edited by hand since, is replaced only with `force`
    (with `check`, the diff from the edited file to uvbake's comes first)."""
    pending = writer.changes(root, files)
    if not force:
        _refuse_foreign(pending, command=command)
    if check:
        for change in pending:
            console.out.write(change.diff())
    if not force:
        _refuse_edited(pending, command=command, bake_file=bake_file)
    if check:
        return stale(pending, command=command, console=console)
    writer.apply(root, pending)
    for name in sorted(files):
        state = "wrote" if any(c.path == name for c in pending) else "unchanged"
        console.note(f"{state} {name}")
    return 0
