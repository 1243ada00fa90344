"""`uvbake list`: every member, its role and why; each service's image in words or JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from uvbake import api
from uvbake.console import Console
from uvbake.load.records import Member, Workspace
from uvbake.plan import python as python_rules
from uvbake.plan.records import Plan, ServicePlan
from uvbake.scan.declared import DeclaredFunction

# Where the images' Python comes from, in JSON.
PYTHON_FROM = {
    "pyproject.toml": "config",
    ".python-version": ".python-version",
    "uv.lock": "default",
}


def _python(ws: Workspace) -> dict[str, Any]:
    return {"python": ws.settings.python, "python_from": PYTHON_FROM[ws.settings.python_from]}


def describe(the_plan: Plan) -> dict[str, Any]:
    scanned = the_plan.scanned
    return {
        **_python(the_plan.workspace),
        "services": [_service(s) for s in the_plan.services],
        "libraries": [_library(the_plan, m) for m in the_plan.libraries],
        "left_out": [
            {
                "name": s.member.name,
                "path": s.member.path.as_posix(),
                "why": the_plan.role(s.member).reason,
                "problem": s.problem.line(),
            }
            for s in the_plan.skipped
        ],
        "declared": [_declared(f) for f in scanned.functions],
        "problems": list(scanned.problems),
        **({"no_service": the_plan.no_service.line()} if the_plan.no_service else {}),
    }


def _declared(f: DeclaredFunction) -> dict[str, Any]:
    return {
        "name": f.declared.name,
        "kind": f.declared.kind,
        "where": f.where,
        "member": f.member,
        "handler": f.handler,
        "code_root": f.code_root,
        "skipped": list(f.declared.skipped),
        "problem": f.problem,
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
    declared = [f.declared for f in s.functions if f.declared] or (
        [s.declared] if s.declared else []
    )
    if s.functions:
        out["functions"] = [
            {"target": t, "handler": f.handler, **({"declared": f.declared} if f.declared else {})}
            for (t, _), f in zip(s.targets, s.functions, strict=True)
        ]
    if declared:
        out["declared"] = declared
    if s.base_dockerfile:
        out["base_dockerfile"] = s.base_dockerfile
    return out


def _library(the_plan: Plan, member: Member) -> dict[str, Any]:
    """A member that is not a service: why, the handlers it has, the setting that would make
    it a service."""
    found = the_plan.role(member)
    return {
        "name": member.name,
        "path": member.path.as_posix(),
        "why": found.reason,
        "handlers": list(the_plan.handlers.get(member.name, ())),
        "fix": found.fix,
    }


def run(
    *, root: Path, fmt: str = "text", layers: bool = False, console: Console | None = None
) -> int:
    """`fmt`: text, json, or mermaid (the layers as a flowchart; `layers` changes nothing)."""
    console = console or Console()
    out = console.out
    the_plan = api.planned(root, console=console, strict=False)
    if fmt == "mermaid":
        from uvbake.report import mermaid

        out.write(mermaid.flowchart(the_plan))
        return 0
    data = describe(the_plan)
    if layers and the_plan.services:
        from uvbake.report import layers as layer_report

        data["layers"] = layer_report.describe(the_plan)
    if fmt == "json":
        out.write(json.dumps(data, indent=2) + "\n")
        return 0
    settings = the_plan.workspace.settings
    python_from = python_rules.PYTHON_FROM[settings.python_from]
    count = len(the_plan.layers)
    out.write(f"python {settings.python} ({python_from}); {count} third-party layers\n")
    out.write("services:\n")
    if "no_service" in data:
        out.write(f"  none: {data['no_service']}\n")
    for s in data["services"]:
        _write_service(out, s)
    for s in data["left_out"]:
        out.write(f"  {s['name']:<20} {s['path']:<28} left out: {s['problem']}\n")
    out.write("libraries:\n")
    for lib in data["libraries"]:
        handlers = f" handlers=[{', '.join(lib['handlers'])}]" if lib["handlers"] else ""
        out.write(f"  {lib['name']:<20} {lib['path']:<28} ({lib['why']}){handlers}\n")
        if lib["fix"]:
            out.write(f"    a service with: {lib['fix']}\n")
    _write_declarations(out, data)
    if layers and the_plan.services:
        out.write(layer_report.text(data["layers"]))
    return 0


def _write_service(out: TextIO, s: dict[str, Any]) -> None:
    local = ", ".join(s["local"]) or "-"
    out.write(
        f"  {s['name']:<20} {s['path']:<28} handler={s['handler']} platform={s['platform']}"
        f" local=[{local}] third-party={s['third_party']} ({s['why']})\n"
    )
    for function in s.get("functions", ()):
        where = f" (declared at {function['declared']})" if "declared" in function else ""
        out.write(f"    target {function['target']}: {function['handler']}{where}\n")
    for pin in s["emulated"]:
        how = "built from source" if pin["source"] else "installed"
        out.write(f"    {how} on {s['platform']}: {pin['name']} ({pin['why']})\n")
    if s["replaces"]:
        replaced = ", ".join(s["replaces"])
        out.write(f"    own copy in /var/task, ahead of the base image's: {replaced}\n")


def _write_declarations(out: TextIO, data: dict[str, Any]) -> None:
    """Declared functions that are not built, and declaration files that could not be read."""
    unused = [d for d in data["declared"] if d["problem"] or d["skipped"]]
    if not unused and not data["problems"]:
        return
    out.write("declarations:\n")
    for d in unused:
        problem = d["problem"] or ""
        notes = "; ".join(
            [*([problem] if problem else []), *(s for s in d["skipped"] if s not in problem)]
        )
        out.write(f"  {d['where']} {d['name']} ({d['kind']}): {notes}\n")
    for problem in data["problems"]:
        out.write(f"  {problem}\n")
