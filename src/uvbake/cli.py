"""The typer front end. `main` is the one place that turns errors into exit codes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from . import commands
from .errors import UvbakeError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Generate a docker-bake.hcl that builds every Lambda service of a uv workspace.",
)

RootOption = Annotated[
    Path, typer.Option("--root", help="Workspace root (the folder with uv.lock).")
]


def _run(command: Callable[..., int], **kwargs: object) -> None:
    try:
        code = command(**kwargs)
    except UvbakeError as exc:
        print(f"uvbake: error: {exc.line()}", file=sys.stderr)
        code = 1
    raise typer.Exit(code)


@app.command()
def generate(
    root: RootOption = Path("."),
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 with a diff if stale.")
    ] = False,
    stdout: Annotated[
        bool, typer.Option("--stdout", help="Print the generated files instead of writing.")
    ] = False,
) -> None:
    """Write docker-bake.hcl and uvbake.Dockerfile for the workspace."""
    _run(commands.generate, root=root, check=check, stdout=stdout)


@app.command("list")
def list_command(
    root: RootOption = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show the services, their local libraries, handlers and platforms."""
    _run(commands.list_, root=root, as_json=as_json)


def main() -> None:
    app()
