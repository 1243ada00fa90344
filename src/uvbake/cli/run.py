"""The typer app (`cli.app`) run on a command line: usage errors as one line, as uv's are."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer

from uvbake.cli.app import app
from uvbake.errors import USAGE, flushed, one_line, pipe_closed


def _click_exceptions() -> Any:
    """click's exceptions as typer raises them: its own copy of click from typer 0.26 on."""
    try:
        return importlib.import_module("typer._click.exceptions")
    except ImportError:  # pragma: no cover - typer before 0.26
        return importlib.import_module("click.exceptions")


def run(argv: list[str]) -> int:
    """The app run on `argv`: usage errors are one line and exit code 2, as uv's are; with no
    arguments it prints the help, with exit code 2 too. A reader that closes stdout early
    ends it quietly, with the code a shell gives a process SIGPIPE ended."""
    exceptions = _click_exceptions()
    try:
        code = app(args=argv, standalone_mode=False)
    except exceptions.NoArgsIsHelpError as exc:
        print(exc.format_message(), file=sys.stderr)
        return USAGE
    except exceptions.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "uvbake"
        problem = exc.format_message().rstrip(".")
        print(
            f"uvbake: error: {one_line(where, problem, f'see `{where} --help`')}", file=sys.stderr
        )
        return USAGE
    except (getattr(exceptions, "Abort", typer.Abort), typer.Abort, KeyboardInterrupt):
        print("uvbake: aborted", file=sys.stderr)
        return 130
    except SystemExit as exc:  # rich ends help text on a closed pipe this way
        if _stdout_closed():
            return pipe_closed()
        return exc.code if isinstance(exc.code, int) else 1
    return flushed(code if isinstance(code, int) else 0)


def _stdout_closed() -> bool:
    """Whether the reader of stdout is gone (a write there fails with a broken pipe)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return True
    except (OSError, ValueError):
        return False
    return False
