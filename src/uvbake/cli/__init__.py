"""The `uvbake` script: arguments in (global options anywhere, as uv's), then the typer app
(`cli.run`), except for the everyday loop's remembered `uvbake generate`."""

from __future__ import annotations

import sys
import time

GLOBAL_FLAGS = frozenset({"-q", "--quiet", "-v", "--verbose"})
GLOBAL_VALUES = frozenset({"--directory", "--project"})


def global_first(argv: list[str]) -> list[str]:
    """`argv` with the global options moved before the command's name, so that they may
    come anywhere, as uv's do (`uvbake generate -q` is `uvbake -q generate`)."""
    front: list[str] = []
    rest: list[str] = []
    tokens = iter(argv)
    for token in tokens:
        if token == "--":
            rest += [token, *tokens]
            break
        name = token.split("=", 1)[0]
        if token in GLOBAL_FLAGS or (name in GLOBAL_VALUES and "=" in token):
            front.append(token)
        elif token in GLOBAL_VALUES:
            value = next(tokens, None)
            front += [token] if value is None else [token, value]
        else:
            rest.append(token)
    return [*front, *rest]


# `uvbake generate` as the everyday loop runs it (`uvbake generate && docker buildx bake`),
# plain or quiet, with or without --root: when generate's memory holds, its lines are printed
# before typer is even imported, which is most of what a remembered run costs; when nothing
# at all changed, before pathlib is (commands.unchanged). Any other command line, and a run
# the memory does not answer, goes through the typer app.
QUIET = {("generate",): False, ("-q", "generate"): True, ("--quiet", "generate"): True}


def _plain_generate(argv: list[str]) -> tuple[bool, str | None] | None:
    """(quiet, --root) of a plain `uvbake generate` command line; None for any other."""
    for head in QUIET:
        rest = argv[len(head) :]
        if tuple(argv[: len(head)]) != head:
            continue
        if not rest:
            return QUIET[head], None
        if len(rest) == 2 and rest[0] == "--root" and not rest[1].startswith("-"):
            return QUIET[head], rest[1]
        if len(rest) == 1 and rest[0].startswith("--root=") and rest[0] != "--root=":
            return QUIET[head], rest[0].removeprefix("--root=")
    return None


def remembered(argv: list[str]) -> int | None:
    """The exit code of a remembered `uvbake generate`; None when the app must run it."""
    plain = _plain_generate(argv)
    if plain is None:
        return None
    quiet, given = plain
    started_ns = time.time_ns()
    from uvbake.commands.unchanged import answer

    code = answer(quiet=quiet, given=given)
    if code is not None:
        return code
    from pathlib import Path

    from uvbake.commands.generate import replayed
    from uvbake.console import Console
    from uvbake.errors import UvbakeError, flushed, handled
    from uvbake.load.rootfind import workspace_root

    try:
        root = Path(given) if given is not None else workspace_root(Path.cwd())
    except UvbakeError:
        return None  # the app says it, as it says every error
    with handled() as outcome:
        if not replayed(root=root, console=Console(quiet=quiet), started_ns=started_ns):
            return None
    return flushed(outcome.code)


def main() -> int:
    """The `uvbake` script: usage errors are one line and exit code 2, as uv's are; with no
    arguments it prints the help, with exit code 2 too. A reader that closes stdout early
    ends it quietly, with the code a shell gives a process SIGPIPE ended."""
    argv = global_first(sys.argv[1:])
    code = remembered(argv)
    if code is not None:
        return code
    from uvbake.cli.run import run

    return run(argv)
