"""The typer front end: options in, one command call out. Exit codes come from
`errors.handled`, the one place that turns errors into them."""

from __future__ import annotations

import enum
import importlib
import os
import sys
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from uvbake import __version__
from uvbake.console import Console
from uvbake.errors import USAGE, Outcome, flushed, handled, one_line
from uvbake.load.rootfind import find_root

app = typer.Typer(
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Generate a docker-bake.hcl that builds every Lambda service of a uv workspace.",
)

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


def _version(value: bool) -> None:
    if value:
        print(f"uvbake {__version__}")
        raise typer.Exit(0)


def _folder(option: str, value: Path | None) -> Path | None:
    if value is not None and not value.is_dir():
        raise typer.BadParameter(f"'{value}' is not a folder", param_hint=option)
    return value


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
        typer.Option("--version", is_eager=True, callback=_version, help="Print the version."),
    ] = False,
) -> None:
    folder = _folder("--directory", directory)
    if folder is not None:
        os.chdir(folder)
    ctx.obj = Options(verbose=verbose, quiet=quiet, project=_folder("--project", project))


@dataclass(frozen=True)
class Options:
    """The options every command takes (main moves them before the command's name)."""

    verbose: bool = False
    quiet: bool = False
    project: Path | None = None


def _global(ctx: typer.Context) -> Options:
    options = ctx.find_root().obj
    return options if isinstance(options, Options) else Options()


def _console(ctx: typer.Context) -> Console:
    options = _global(ctx)
    return Console(quiet=options.quiet, verbose=options.verbose)


def _handled(ctx: typer.Context) -> AbstractContextManager[Outcome]:
    return handled(verbose=_global(ctx).verbose)


def _root(ctx: typer.Context, root: Path | None) -> Path:
    """--root as given, else the workspace found from --project or the current folder."""
    if root is not None:
        return root
    start = _global(ctx).project or Path.cwd()
    found = find_root(start)
    here = Path.cwd().resolve()
    return Path(os.path.relpath(found, here)) if found.is_relative_to(here) else found


def _json_flag(deprecated_json: bool) -> bool:
    """--json, with its warning."""
    if deprecated_json:
        print("uvbake: warning: --json is deprecated; use --format json", file=sys.stderr)
    return deprecated_json


def _as_json(fmt: TextFormat, deprecated_json: bool) -> bool:
    return _json_flag(deprecated_json) or fmt is TextFormat.json


def _exit(code: int) -> None:
    raise typer.Exit(code)


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
    with _handled(ctx) as outcome:
        from uvbake.commands import generate as command

        outcome.code = command.run(
            root=_root(ctx, root), check=check, stdout=stdout, force=force, console=_console(ctx)
        )
    _exit(outcome.code)


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
    with _handled(ctx) as outcome:
        from uvbake.commands import list as command

        outcome.code = command.run(
            root=_root(ctx, root),
            fmt=ListFormat.json.value if _json_flag(as_json) else fmt.value,
            layers=layers,
            console=_console(ctx),
        )
    _exit(outcome.code)


@app.command("check")
def check_command(ctx: typer.Context, root: RootOption = None) -> None:
    """Report undeclared imports, stale files, broken handlers and name conflicts."""
    with _handled(ctx) as outcome:
        from uvbake.commands import check as command

        outcome.code = command.run(root=_root(ctx, root), console=_console(ctx))
    _exit(outcome.code)


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
    with _handled(ctx) as outcome:
        from uvbake.commands import verify as command

        outcome.code = command.run(
            root=_root(ctx, root),
            targets=target or (),
            events=event or (),
            events_dir=events,
            timeout=timeout,
            as_json=fmt is TextFormat.json,
            console=_console(ctx),
        )
    _exit(outcome.code)


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
    with _handled(ctx) as outcome:
        from uvbake.commands import affected as command

        outcome.code = command.run(
            root=_root(ctx, root),
            since=since,
            as_json=_as_json(fmt, as_json),
            console=_console(ctx),
        )
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
        MatrixFormat,
        typer.Option("--format", help="json, or github (matrix=... for $GITHUB_OUTPUT)."),
    ] = MatrixFormat.json,
    root: RootOption = None,
) -> None:
    """Print a GitHub Actions build matrix of the (affected) services."""
    with _handled(ctx) as outcome:
        from uvbake.commands import affected as command

        outcome.code = command.matrix(
            root=_root(ctx, root),
            since=since,
            shards=shards,
            fmt=fmt.value,
            console=_console(ctx),
        )
    _exit(outcome.code)


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
    with _handled(ctx) as outcome:
        from uvbake.commands import deploy as command

        outcome.code = command.run(
            root=_root(ctx, root),
            metadata=metadata,
            fmt=fmt.value,
            partial=partial,
            console=_console(ctx),
        )
    _exit(outcome.code)


@app.command()
def doctor(ctx: typer.Context, root: RootOption = None) -> None:
    """Check docker, buildx, the builder, emulation and the registry for a build."""
    with _handled(ctx) as outcome:
        from uvbake.commands import doctor as command

        outcome.code = command.run(root=_root(ctx, root), console=_console(ctx))
    _exit(outcome.code)


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
    with _handled(ctx) as outcome:
        from uvbake.commands import ci as command

        outcome.code = command.github(
            root=_root(ctx, root), check=check, force=force, console=_console(ctx)
        )
    _exit(outcome.code)


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
    except (exceptions.Abort, typer.Abort, KeyboardInterrupt):
        print("uvbake: aborted", file=sys.stderr)
        return 130
    return flushed(code if isinstance(code, int) else 0)
