"""Each command is a plain function that prints and returns an exit code.

The modules only one command needs (check, affected, matrix, workflow, and yaml through them)
are imported inside that command, so `generate` starts without them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from . import writer
from .planner import NoService, Plan, ServicePlan, plan, role
from .render import render
from .workspace import Member, Workspace, load


def load_warned(root: Path) -> Workspace:
    """load, printing the workspace's warnings (one line each) to stderr."""
    ws = load(root)
    for warning in ws.warnings:
        print(f"uvbake: warning: {warning}", file=sys.stderr)
    return ws


def generated_files(root: Path) -> tuple[Plan, dict[str, str]]:
    """load → plan → render: the plan and the text of every generated file."""
    the_plan = plan(load_warned(root))
    return the_plan, render(the_plan)


def generate(*, root: Path, check: bool, stdout: bool, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    _, files = generated_files(root)
    if stdout:
        for name in sorted(files):
            out.write(f"# ===== {name} =====\n{files[name]}")
        return 0
    return write_or_check(root=root, files=files, check=check, command="generate", out=out)


def write_or_check(
    *, root: Path, files: dict[str, str], check: bool, command: str, out: TextIO
) -> int:
    """Write `files` atomically, or with `check` print their diff and exit 1 when stale."""
    pending = writer.changes(root, files)
    if check:
        for change in pending:
            out.write(change.diff())
        if pending:
            names = ", ".join(c.path for c in pending)
            print(f"uvbake: stale: {names}; run `uvbake {command}`", file=sys.stderr)
            return 1
        return 0
    writer.apply(root, pending)
    for name in sorted(files):
        state = "wrote" if any(c.path == name for c in pending) else "unchanged"
        out.write(f"{state} {name}\n")
    return 0


def check(*, root: Path, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    from . import check as check_mod

    findings = check_mod.check(plan(load_warned(root)))
    for finding in findings:
        out.write(finding.line() + "\n")
    return 1 if findings else 0


def describe(the_plan: Plan) -> dict[str, Any]:
    return {
        "python": the_plan.workspace.settings.python,
        "services": [_service(s) for s in the_plan.services],
        "libraries": [_library(the_plan.workspace, m) for m in the_plan.libraries],
    }


def _service(s: ServicePlan) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": s.name,
        "path": s.member.path.as_posix(),
        "handler": s.handler,
        "platform": s.platform,
        "glibc": s.target.glibc,
        "local": [m.name for m in s.closure],
        "third_party": len(s.third_party),
        "layers": [layer.name for layer in s.layers],
        "emulated": [{"name": p.name, "why": p.reason} for p in s.emulated],
        "replaces": list(s.replaces),
        "why": s.reason,
    }
    if s.functions:
        out["functions"] = [{"target": t, "handler": h} for t, h in s.targets]
    if s.base_dockerfile:
        out["base_dockerfile"] = s.base_dockerfile
    return out


def _library(ws: Workspace, member: Member) -> dict[str, Any]:
    """A member that is not a service: why, the handlers it has, the setting that would make
    it a service."""
    from .roles import handler_of

    found = role(member, ws)
    return {
        "name": member.name,
        "path": member.path.as_posix(),
        "why": found.reason,
        "handlers": list(handler_of(ws, member)),
        "fix": found.fix,
    }


def _describe_without_services(ws: Workspace, error: NoService) -> dict[str, Any]:
    return {
        "python": ws.settings.python,
        "services": [],
        "libraries": [_library(ws, m) for m in ws.members],
        "no_service": error.line(),
    }


def list_(*, root: Path, as_json: bool, layers: bool = False, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    ws = load_warned(root)
    the_plan: Plan | None = None
    try:
        the_plan = plan(ws)
    except NoService as error:
        data = _describe_without_services(ws, error)
    else:
        data = describe(the_plan)
    if layers and the_plan is not None:
        from . import layer_report

        data["layers"] = layer_report.describe(the_plan)
    if as_json:
        out.write(json.dumps(data, indent=2) + "\n")
        return 0
    count = len(the_plan.layers) if the_plan is not None else 0
    out.write(f"python {data['python']}; {count} third-party layers\n")
    out.write("services:\n")
    if the_plan is None:
        out.write(f"  none: {data['no_service']}\n")
    for s in data["services"]:
        local = ", ".join(s["local"]) or "-"
        out.write(
            f"  {s['name']:<20} {s['path']:<28} handler={s['handler']} platform={s['platform']}"
            f" local=[{local}] third-party={s['third_party']} ({s['why']})\n"
        )
        for function in s.get("functions", ()):
            out.write(f"    target {function['target']}: {function['handler']}\n")
        for pin in s["emulated"]:
            out.write(f"    installed on {s['platform']}: {pin['name']} ({pin['why']})\n")
        if s["replaces"]:
            replaced = ", ".join(s["replaces"])
            out.write(f"    on {s['platform']}: the base image's {replaced} removed for its own\n")
    out.write("libraries:\n")
    for lib in data["libraries"]:
        handlers = f" handlers=[{', '.join(lib['handlers'])}]" if lib["handlers"] else ""
        out.write(f"  {lib['name']:<20} {lib['path']:<28} ({lib['why']}){handlers}\n")
        if lib["fix"]:
            out.write(f"    a service with: {lib['fix']}\n")
    if layers and the_plan is not None:
        out.write(layer_report.text(data["layers"]))
    return 0


def _services_since(the_plan: Plan, root: Path, ref: str | None) -> tuple[str, ...]:
    if ref is None:
        return tuple(s.name for s in the_plan.services)
    from . import affected as affected_mod

    changes = affected_mod.since(root, ref)
    return affected_mod.affected(
        the_plan,
        paths=changes.paths,
        old_lock=changes.old_lock,
        old_dockerfile=changes.old_dockerfile,
        dockerfile=changes.dockerfile,
    )


def affected(*, root: Path, since: str, as_json: bool, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    names = _services_since(plan(load_warned(root)), root, since)
    out.write(json.dumps(list(names)) + "\n" if as_json else "".join(f"{n}\n" for n in names))
    return 0


def matrix(
    *, root: Path, since: str | None, shards: int | None, fmt: str, out: TextIO | None = None
) -> int:
    out = out or sys.stdout
    from . import matrix as matrix_mod

    the_plan = plan(load_warned(root))
    names = _services_since(the_plan, root, since)
    data = matrix_mod.matrix(the_plan, services=names, shards=shards)
    out.write(matrix_mod.format_matrix(data, fmt=fmt))
    return 0


def ci_github(*, root: Path, check: bool, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    from . import workflow

    the_plan = plan(load_warned(root))
    top, workdir = workflow.repository(root)
    files = workflow.render_files(the_plan, workdir=workdir)
    return write_or_check(root=top, files=files, check=check, command="ci github", out=out)
