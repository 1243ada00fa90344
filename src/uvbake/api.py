"""The in-process core that tests and the bench call: load → scan → plan → render, no writes."""

from __future__ import annotations

import os
from pathlib import Path

from uvbake.console import Console
from uvbake.errors import UvbakeError
from uvbake.load.records import Workspace
from uvbake.load.rootfind import enclosing
from uvbake.load.workspace import load
from uvbake.plan.planner import plan
from uvbake.plan.records import Plan
from uvbake.render.files import render
from uvbake.scan.scanner import scan


def load_warned(root: Path, *, console: Console | None = None) -> Workspace:
    """load, printing the workspace's warnings (one line each) to stderr unless quiet. A
    folder that is not a workspace root but is inside one is named with that workspace."""
    console = console or Console()
    try:
        ws = load(root)
    except UvbakeError as error:
        raise _inside_workspace(root, error) from None
    for warning in ws.warnings:
        console.warn(warning)
    return ws


def _shown(path: Path) -> str:
    """`path` relative to the current folder when one is inside the other, else absolute."""
    here = Path.cwd().resolve()
    near = path.is_relative_to(here) or here.is_relative_to(path)
    return os.path.relpath(path, here) if near else str(path)


def _inside_workspace(root: Path, error: UvbakeError) -> UvbakeError:
    found = enclosing(root)
    if found is None:
        return error
    workspace, member = found
    what = "a member of" if member else "a folder inside"
    where = error.where if Path(error.where).is_absolute() else (root / error.where).as_posix()
    return UvbakeError(
        where,
        f"{error.problem}: {root.as_posix()} is {what} the workspace at {_shown(workspace)}, "
        "not its root",
        f"pass --root {_shown(workspace)}, or leave --root out (uvbake finds the root as uv does)",
    )


def planned(root: Path, *, console: Console | None = None, strict: bool = True) -> Plan:
    """load → scan → plan, printing the plan's warnings. With `strict` (every command but
    `list`), a service's problem stops it, and so does a workspace without services."""
    console = console or Console()
    ws = load_warned(root, console=console)
    the_plan = plan(ws, scan(ws), strict=strict)
    for warning in the_plan.warnings:
        console.warn(warning)
    if strict and the_plan.no_service is not None:
        raise the_plan.no_service
    return the_plan


def generated_files(root: Path, *, console: Console | None = None) -> tuple[Plan, dict[str, str]]:
    """load → plan → render: the plan and the text of every generated file."""
    the_plan = planned(root, console=console)
    return the_plan, render(the_plan)
