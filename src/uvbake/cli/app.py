"""The typer app: each command's options in, one explicit command call out. Exit codes come
from `errors.handled`, the one place that turns errors into them."""

from __future__ import annotations

import enum
import os
from pathlib import Path
from typing import Annotated

import typer

from uvbake.cli.options import (
    ForceOption,
    FormatOption,
    JsonOption,
    ListFormat,
    MatrixFormat,
    Options,
    RootOption,
    TextFormat,
    console_of,
    exit_with,
    folder_option,
    handled_in,
    json_flag,
    json_wanted,
    root_of,
    show_version,
)

app = typer.Typer(
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Generate a docker-bake.hcl that builds every Lambda service of a uv workspace.",
)


@app.callback()
def _options(
    ctx: typer.Context,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show the traceback of an internal error.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only errors and the data asked for.")
    ] = False,
    directory: Annotated[
        Path | None,
        typer.Option(
            "--directory",
            help="Change to this folder before running the command (as uv --directory).",
        ),
    ] = None,
    project: Annotated[
        Path | None,
        typer.Option(
            "--project",
            help="Find the workspace from this folder instead of the current one "
            "(as uv --project); other paths stay relative to the current folder.",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=show_version, help="Print the version."),
    ] = False,
) -> None:
    folder = folder_option("--directory", directory)
    if folder is not None:
        os.chdir(folder)
    ctx.obj = Options(verbose=verbose, quiet=quiet, project=folder_option("--project", project))


@app.command()
def generate(
    ctx: typer.Context,
    root: RootOption = None,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 with a diff if stale.")
    ] = False,
    stdout: Annotated[
        bool, typer.Option("--stdout", help="Print the generated files instead of writing.")
    ] = False,
    force: ForceOption = False,
) -> None:
    """Write docker-bake.hcl and uvbake.Dockerfile for the workspace."""
    with handled_in(ctx) as outcome:
        from uvbake.commands import generate as command

        outcome.code = command.run(
            root=root_of(ctx, root),
            check=check,
            stdout=stdout,
            force=force,
            console=console_of(ctx),
        )
    exit_with(outcome.code)


@app.command("list")
def list_command(
    ctx: typer.Context,
    root: RootOption = None,
    fmt: Annotated[
        ListFormat,
        typer.Option(
            "--format",
            help="text, json, or mermaid (a flowchart of which image gets which layer).",
        ),
    ] = ListFormat.text,
    as_json: JsonOption = False,
    layers: Annotated[
        bool, typer.Option("--layers", help="Each image's layers, packages and bytes.")
    ] = False,
) -> None:
    """Show the services, their local libraries, handlers, platforms and layers."""
    with handled_in(ctx) as outcome:
        from uvbake.commands import list as command

        outcome.code = command.run(
            root=root_of(ctx, root),
            fmt=ListFormat.json.value if json_flag(as_json) else fmt.value,
            layers=layers,
            console=console_of(ctx),
        )
    exit_with(outcome.code)


@app.command("check")
def check_command(ctx: typer.Context, root: RootOption = None) -> None:
    """Report undeclared imports, stale files, broken handlers and name conflicts."""
    with handled_in(ctx) as outcome:
        from uvbake.commands import check as command

        outcome.code = command.run(root=root_of(ctx, root), console=console_of(ctx))
    exit_with(outcome.code)


@app.command("verify")
def verify_command(
    ctx: typer.Context,
    target: Annotated[
        list[str] | None,
        typer.Option(
            "--target",
            help="A bake target or a service (all its functions) to verify; repeatable. "
            "Default: every one.",
        ),
    ] = None,
    event: Annotated[
        list[str] | None,
        typer.Option(
            "--event", help="TARGET=FILE: the JSON event sent to TARGET (default {}); repeatable."
        ),
    ] = None,
    events: Annotated[
        Path | None, typer.Option("--events", help="A folder of <target>.json events.")
    ] = None,
    timeout: Annotated[
        float,
        typer.Option("--timeout", min=1, help="Seconds per invocation, the start included."),
    ] = 120,
    fmt: FormatOption = TextFormat.text,
    root: RootOption = None,
) -> None:
    """Run each built image as Lambda does and invoke every function once."""
    with handled_in(ctx) as outcome:
        from uvbake.commands import verify as command

        outcome.code = command.run(
            root=root_of(ctx, root),
            targets=target or (),
            events=event or (),
            events_dir=events,
            timeout=timeout,
            as_json=fmt is TextFormat.json,
            console=console_of(ctx),
        )
    exit_with(outcome.code)


SinceOption = Annotated[
    str, typer.Option("--since", help="Git revision to compare the working tree with.")
]


@app.command()
def affected(
    ctx: typer.Context,
    since: SinceOption,
    root: RootOption = None,
    fmt: FormatOption = TextFormat.text,
    as_json: JsonOption = False,
) -> None:
    """Print the services whose image changes between --since and the working tree."""
    with handled_in(ctx) as outcome:
        from uvbake.commands import affected as command

        outcome.code = command.run(
            root=root_of(ctx, root),
            since=since,
            as_json=json_wanted(fmt, as_json),
            console=console_of(ctx),
        )
    exit_with(outcome.code)


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
        MatrixFormat,
        typer.Option("--format", help="json, or github (matrix=... for $GITHUB_OUTPUT)."),
    ] = MatrixFormat.json,
    root: RootOption = None,
) -> None:
    """Print a GitHub Actions build matrix of the (affected) services."""
    with handled_in(ctx) as outcome:
        from uvbake.commands import affected as command

        outcome.code = command.matrix(
            root=root_of(ctx, root),
            since=since,
            shards=shards,
            fmt=fmt.value,
            console=console_of(ctx),
        )
    exit_with(outcome.code)


class ImagesFormat(str, enum.Enum):
    json = "json"
    text = "text"
    github = "github"
    github_summary = "github-summary"


@app.command()
def images(
    ctx: typer.Context,
    metadata: Annotated[
        str,
        typer.Argument(
            help="The file of `docker buildx bake --push --metadata-file FILE` (- for stdin)."
        ),
    ],
    fmt: Annotated[
        ImagesFormat,
        typer.Option(
            "--format",
            help="json; text; github (images=... for $GITHUB_OUTPUT); "
            "github-summary (a Markdown table for $GITHUB_STEP_SUMMARY).",
        ),
    ] = ImagesFormat.json,
    partial: Annotated[
        bool,
        typer.Option("--partial", help="List the targets the file has, not every service's."),
    ] = False,
    root: RootOption = None,
) -> None:
    """Print each target's pushed image (registry/repository@sha256:...) for deploy tools."""
    with handled_in(ctx) as outcome:
        from uvbake.commands import deploy as command

        outcome.code = command.run(
            root=root_of(ctx, root),
            metadata=metadata,
            fmt=fmt.value,
            partial=partial,
            console=console_of(ctx),
        )
    exit_with(outcome.code)


@app.command()
def doctor(ctx: typer.Context, root: RootOption = None) -> None:
    """Check docker, buildx, the builder, emulation and the registry for a build."""
    with handled_in(ctx) as outcome:
        from uvbake.commands import doctor as command

        outcome.code = command.run(root=root_of(ctx, root), console=console_of(ctx))
    exit_with(outcome.code)


ci_app = typer.Typer(
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Write CI workflows that build the services.",
)
app.add_typer(ci_app, name="ci")


@ci_app.command("github")
def ci_github(
    ctx: typer.Context,
    root: RootOption = None,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 with a diff if stale.")
    ] = False,
    force: ForceOption = False,
) -> None:
    """Write .github/workflows/uvbake.yml."""
    with handled_in(ctx) as outcome:
        from uvbake.commands import ci as command

        outcome.code = command.github(
            root=root_of(ctx, root), check=check, force=force, console=console_of(ctx)
        )
    exit_with(outcome.code)
