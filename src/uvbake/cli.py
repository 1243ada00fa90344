"""The typer front end: options in, one command call out. Exit codes come from
`errors.handled`, the one place that turns errors into them."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from . import commands
from .errors import Outcome, handled

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Generate a docker-bake.hcl that builds every Lambda service of a uv workspace.",
)

RootOption = Annotated[
    Path, typer.Option("--root", help="Workspace root (the folder with uv.lock).")
]


@app.callback()
def _options(
    ctx: typer.Context,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show the traceback of an internal error.")
    ] = False,
) -> None:
    ctx.obj = Options(verbose=verbose)


@dataclass(frozen=True)
class Options:
    """The options every command takes, given before the command's name."""

    verbose: bool = False


def _handled(ctx: typer.Context) -> AbstractContextManager[Outcome]:
    options = ctx.find_root().obj
    return handled(verbose=isinstance(options, Options) and options.verbose)


def _exit(code: int) -> None:
    raise typer.Exit(code)


@app.command()
def generate(
    ctx: typer.Context,
    root: RootOption = Path("."),
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 with a diff if stale.")
    ] = False,
    stdout: Annotated[
        bool, typer.Option("--stdout", help="Print the generated files instead of writing.")
    ] = False,
) -> None:
    """Write docker-bake.hcl and uvbake.Dockerfile for the workspace."""
    with _handled(ctx) as outcome:
        outcome.code = commands.generate(root=root, check=check, stdout=stdout)
    _exit(outcome.code)


@app.command("list")
def list_command(
    ctx: typer.Context,
    root: RootOption = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    layers: Annotated[
        bool, typer.Option("--layers", help="Each image's layers, packages and bytes.")
    ] = False,
) -> None:
    """Show the services, their local libraries, handlers, platforms and layers."""
    with _handled(ctx) as outcome:
        outcome.code = commands.list_(root=root, as_json=as_json, layers=layers)
    _exit(outcome.code)


@app.command("check")
def check_command(ctx: typer.Context, root: RootOption = Path(".")) -> None:
    """Report undeclared imports, stale files, broken handlers and name conflicts."""
    with _handled(ctx) as outcome:
        outcome.code = commands.check(root=root)
    _exit(outcome.code)


SinceOption = Annotated[
    str, typer.Option("--since", help="Git revision to compare the working tree with.")
]


@app.command()
def affected(
    ctx: typer.Context,
    since: SinceOption,
    root: RootOption = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """Print the services whose image changes between --since and the working tree."""
    with _handled(ctx) as outcome:
        outcome.code = commands.affected(root=root, since=since, as_json=as_json)
    _exit(outcome.code)


@app.command()
def matrix(
    ctx: typer.Context,
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
    with _handled(ctx) as outcome:
        outcome.code = commands.matrix(root=root, since=since, shards=shards, fmt=fmt)
    _exit(outcome.code)


ci_app = typer.Typer(no_args_is_help=True, help="Write CI workflows that build the services.")
app.add_typer(ci_app, name="ci")


@ci_app.command("github")
def ci_github(
    ctx: typer.Context,
    root: RootOption = Path("."),
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 with a diff if stale.")
    ] = False,
) -> None:
    """Write .github/workflows/uvbake.yml."""
    with _handled(ctx) as outcome:
        outcome.code = commands.ci_github(root=root, check=check)
    _exit(outcome.code)


def main() -> None:
    app()
