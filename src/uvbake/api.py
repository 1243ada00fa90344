"""The in-process core that tests and the bench call: load → scan → plan → render, no writes."""

from __future__ import annotations

from pathlib import Path

from uvbake.console import Console
from uvbake.load.workspace import Workspace, load
from uvbake.plan.planner import Plan, plan
from uvbake.render.files import render


def load_warned(root: Path, *, console: Console | None = None) -> Workspace:
    """load, printing the workspace's warnings (one line each) to stderr unless quiet."""
    console = console or Console()
    ws = load(root)
    for warning in ws.warnings:
        console.warn(warning)
    return ws


def planned(root: Path, *, console: Console | None = None) -> Plan:
    """load → plan, printing the warnings of both."""
    console = console or Console()
    return plan_warned(load_warned(root, console=console), console=console)


def plan_warned(ws: Workspace, *, console: Console | None = None) -> Plan:
    """plan, printing the plan's warnings (one line each) to stderr unless quiet."""
    console = console or Console()
    the_plan = plan(ws)
    for warning in the_plan.warnings:
        console.warn(warning)
    return the_plan


def generated_files(root: Path, *, console: Console | None = None) -> tuple[Plan, dict[str, str]]:
    """load → plan → render: the plan and the text of every generated file."""
    the_plan = planned(root, console=console)
    return the_plan, render(the_plan)
