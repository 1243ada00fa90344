"""The one error type uvbake raises for bad input, and `handled`, the one place that turns
errors into exit codes: 1 for a problem the user can fix, 2 for a usage error (typer's),
3 for a bug in uvbake."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

USER_ERROR = 1
USAGE = 2
BUG = 3
# What a shell reports for a process that SIGPIPE ended (128 + 13): the code of a command
# whose reader closed the pipe, as `uvbake list | head -1` can.
PIPE_CLOSED = 141


class UvbakeError(Exception):
    """A problem the user can fix: where it is, what is wrong, and how to fix it."""

    def __init__(self, where: Path | str, problem: str, fix: str) -> None:
        self.where = str(where)
        self.problem = problem
        self.fix = fix
        super().__init__(self.line())

    def line(self) -> str:
        return one_line(self.where, self.problem, self.fix)


def one_line(where: str, problem: str, fix: str) -> str:
    """The one format of every message: "<where>: <problem>; <fix>", on a single line."""
    return " ".join(f"{where}: {problem}; {fix}".split())


@dataclass
class Outcome:
    """The exit code of a command run inside `handled`."""

    code: int = 0


@contextmanager
def handled(*, verbose: bool = False) -> Iterator[Outcome]:
    """Run a command: a UvbakeError becomes its one line and exit code 1; any other
    exception is a bug, one line (and with `verbose` the traceback) and exit code 3."""
    outcome = Outcome()
    try:
        yield outcome
    except UvbakeError as exc:
        print(f"uvbake: error: {exc.line()}", file=sys.stderr)
        outcome.code = USER_ERROR
    except BrokenPipeError:
        outcome.code = pipe_closed()
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:
        if verbose:
            traceback.print_exc()
        what = " ".join(f"{type(exc).__name__}: {exc}".split())
        print(
            f"uvbake: internal error: {what}; this is a bug in uvbake, please report it "
            "(run again with -v for the traceback)",
            file=sys.stderr,
        )
        outcome.code = BUG


def pipe_closed() -> int:
    """The reader of stdout is gone: nothing more can be said there, nor is an error due.
    stdout is pointed at /dev/null, so that the interpreter's last flush fails nowhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):  # not a file descriptor (a test's capture)
        pass
    return PIPE_CLOSED


def flushed(code: int) -> int:
    """`code`, once what stdout holds is written: PIPE_CLOSED when its reader is gone."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return pipe_closed()
    return code
