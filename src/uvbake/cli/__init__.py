"""The `uvbake` script: arguments in (global options anywhere, as uv's), the typer app
(`cli.app`) run, usage errors as one line."""

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


def main() -> int:
    """The `uvbake` script: usage errors are one line and exit code 2, as uv's are; with no
    arguments it prints the help, with exit code 2 too. A reader that closes stdout early
    ends it quietly, with the code a shell gives a process SIGPIPE ended."""
    exceptions = _click_exceptions()
    try:
        code = app(args=global_first(sys.argv[1:]), standalone_mode=False)
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
