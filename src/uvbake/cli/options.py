"""The options every command shares, and how a command reads them: the workspace root, the
console, the one place its errors become an exit code."""

from __future__ import annotations

import enum
import sys
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from uvbake import __version__
from uvbake.console import Console
from uvbake.errors import Outcome, handled
from uvbake.load.rootfind import workspace_root

RootOption = Annotated[
    Path | None,
    typer.Option(
        "--root",
        help="Workspace root (the folder with uv.lock), taken as it is. "
        "Default: found from the current folder, as uv finds it.",
    ),
]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Replace files uvbake did not write (no generated line).")
]


class TextFormat(str, enum.Enum):
    text = "text"
    json = "json"


class ListFormat(str, enum.Enum):
    text = "text"
    json = "json"
    mermaid = "mermaid"


class MatrixFormat(str, enum.Enum):
    json = "json"
    github = "github"


FormatOption = Annotated[TextFormat, typer.Option("--format", help="text or json.")]
JsonOption = Annotated[
    bool, typer.Option("--json", hidden=True, help="Deprecated: use --format json.")
]


def show_version(value: bool) -> None:
    if value:
        print(f"uvbake {__version__}")
        raise typer.Exit(0)


def folder_option(option: str, value: Path | None) -> Path | None:
    if value is not None and not value.is_dir():
        raise typer.BadParameter(f"'{value}' is not a folder", param_hint=option)
    return value


@dataclass(frozen=True)
class Options:
    """The options every command takes (main moves them before the command's name)."""

    verbose: bool = False
    quiet: bool = False
    project: Path | None = None


def global_options(ctx: typer.Context) -> Options:
    options = ctx.find_root().obj
    return options if isinstance(options, Options) else Options()


def console_of(ctx: typer.Context) -> Console:
    options = global_options(ctx)
    return Console(quiet=options.quiet, verbose=options.verbose)


def handled_in(ctx: typer.Context) -> AbstractContextManager[Outcome]:
    return handled(verbose=global_options(ctx).verbose)


def root_of(ctx: typer.Context, root: Path | None) -> Path:
    """--root as given, else the workspace found from --project or the current folder."""
    if root is not None:
        return root
    return workspace_root(global_options(ctx).project or Path.cwd())


def json_flag(deprecated_json: bool) -> bool:
    """--json, with its warning."""
    if deprecated_json:
        print("uvbake: warning: --json is deprecated; use --format json", file=sys.stderr)
    return deprecated_json


def json_wanted(fmt: TextFormat, deprecated_json: bool) -> bool:
    return json_flag(deprecated_json) or fmt is TextFormat.json


def exit_with(code: int) -> None:
    raise typer.Exit(code)
