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


@app.command("check")
def check_command(root: RootOption = Path(".")) -> None:
    """Report undeclared imports, stale files, broken handlers and name conflicts."""
    _run(commands.check, root=root)


SinceOption = Annotated[
    str, typer.Option("--since", help="Git revision to compare the working tree with.")
]


@app.command()
def affected(
    since: SinceOption,
    root: RootOption = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """Print the services whose image changes between --since and the working tree."""
    _run(commands.affected, root=root, since=since, as_json=as_json)


@app.command()
def matrix(
    since: Annotated[
        str | None, typer.Option("--since", help="Only services affected since this revision.")
    ] = None,
    shards: Annotated[
        int | None, typer.Option("--shards", help="Pack the services into this many jobs.")
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="json, or github (matrix=... for $GITHUB_OUTPUT).")
    ] = "json",
    root: RootOption = Path("."),
) -> None:
    """Print a GitHub Actions build matrix of the (affected) services."""
    _run(commands.matrix, root=root, since=since, shards=shards, fmt=fmt)


ci_app = typer.Typer(no_args_is_help=True, help="Write CI workflows that build the services.")
app.add_typer(ci_app, name="ci")


@ci_app.command("github")
def ci_github(
    root: RootOption = Path("."),
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 with a diff if stale.")
    ] = False,
) -> None:
    """Write .github/workflows/uvbake.yml."""
    _run(commands.ci_github, root=root, check=check)


def main() -> None:
    app()
