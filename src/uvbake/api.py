"""The in-process core that tests and the bench call: load → scan → plan → render, no writes."""

from __future__ import annotations

from pathlib import Path

from uvbake.console import Console
from uvbake.load.records import Workspace
from uvbake.load.workspace import load
from uvbake.plan.planner import plan
from uvbake.plan.records import Plan
from uvbake.render.files import render
from uvbake.scan import scan


def load_warned(root: Path, *, console: Console | None = None) -> Workspace:
    """load, printing the workspace's warnings (one line each) to stderr unless quiet."""
    console = console or Console()
    ws = load(root)
    for warning in ws.warnings:
        console.warn(warning)
    return ws


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
