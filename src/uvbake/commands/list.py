"""`uvbake list`: every member, its role and why; each service's image in words or JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from uvbake import api
from uvbake.console import Console
from uvbake.load.workspace import Member, Workspace
from uvbake.plan import python as python_rules
from uvbake.plan.planner import NoService, Plan, ServicePlan, role

# Where the images' Python comes from, in JSON.
PYTHON_FROM = {
    "pyproject.toml": "config",
    ".python-version": ".python-version",
    "uv.lock": "default",
}


def _python(ws: Workspace) -> dict[str, Any]:
    return {"python": ws.settings.python, "python_from": PYTHON_FROM[ws.settings.python_from]}


def describe(the_plan: Plan) -> dict[str, Any]:
    return {
        **_python(the_plan.workspace),
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
        "emulated": [{"name": p.name, "why": p.reason, "source": p.source} for p in s.emulated],
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
    from uvbake.plan.roles import handler_of

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
        **_python(ws),
        "services": [],
        "libraries": [_library(ws, m) for m in ws.members],
        "no_service": error.line(),
    }


def run(*, root: Path, as_json: bool, layers: bool = False, console: Console | None = None) -> int:
    console = console or Console()
    out = console.out
    ws = api.load_warned(root, console=console)
    the_plan: Plan | None = None
    try:
        the_plan = api.plan_warned(ws, console=console)
    except NoService as error:
        data = _describe_without_services(ws, error)
    else:
        data = describe(the_plan)
    if layers and the_plan is not None:
        from uvbake.report import layers as layer_report

        data["layers"] = layer_report.describe(the_plan)
    if as_json:
        out.write(json.dumps(data, indent=2) + "\n")
        return 0
    count = len(the_plan.layers) if the_plan is not None else 0
    settings = ws.settings
    python_from = python_rules.PYTHON_FROM[settings.python_from]
    out.write(f"python {settings.python} ({python_from}); {count} third-party layers\n")
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
            how = "built from source" if pin["source"] else "installed"
            out.write(f"    {how} on {s['platform']}: {pin['name']} ({pin['why']})\n")
        if s["replaces"]:
            replaced = ", ".join(s["replaces"])
            out.write(f"    own copy in /var/task, ahead of the base image's: {replaced}\n")
    out.write("libraries:\n")
    for lib in data["libraries"]:
        handlers = f" handlers=[{', '.join(lib['handlers'])}]" if lib["handlers"] else ""
        out.write(f"  {lib['name']:<20} {lib['path']:<28} ({lib['why']}){handlers}\n")
        if lib["fix"]:
            out.write(f"    a service with: {lib['fix']}\n")
    if layers and the_plan is not None:
        out.write(layer_report.text(data["layers"]))
    return 0
