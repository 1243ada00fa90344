"""`uvbake check`: problems a build would only show later, as one Finding each."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from uvbake import edits, git, names, writer
from uvbake.plan.records import Plan
from uvbake.render import files as render
from uvbake.report.finding import Finding
from uvbake.report.imports import distributions, undeclared_imports
from uvbake.uvlock.lock import RELOCK

LOCK_TIMEOUT = 30


def stale_files(
    root: Path, files: Mapping[str, str], *, bake_file: str = names.BAKE_FILE
) -> list[Finding]:
    pending = writer.changes(root, files)
    foreign = set(writer.foreign(pending))
    return [
        Finding(
            change.path,
            "was not written by uvbake",
            "move it away, or run `uvbake generate --force` to replace it",
        )
        if change.path in foreign
        else _edited(change.path, bake_file=bake_file, command="generate")
        if change.old is not None and edits.edited(change.old)
        else Finding(
            change.path,
            "is missing" if change.old is None else "is stale",
            "run `uvbake generate`",
        )
        for change in pending
    ]


def _edited(path: str, *, bake_file: str, command: str) -> Finding:
    return Finding(
        path,
        "was edited by hand after uvbake wrote it",
        edits.where_to_keep(path, bake_file=bake_file, command=command),
    )


def stale_workflow(plan: Plan) -> list[Finding]:
    """The workflow `uvbake ci github` wrote, when `ci github --check` would rewrite it. A
    workspace without one, or with a workflow of its own at that path, has no finding."""
    from uvbake.render import workflow

    top, workdir = git.top(plan.workspace.root)
    files = workflow.render_files(plan, workdir=workdir)
    bake_file = plan.workspace.settings.bake_file
    return [
        _edited(change.path, bake_file=bake_file, command="ci github")
        if edits.edited(change.old)
        else Finding(change.path, "is stale", "run `uvbake ci github`")
        for change in writer.changes(top, files)
        if change.old is not None and change.path not in writer.foreign([change])
    ]


def stale_lock(root: Path) -> list[Finding]:
    """`uv lock --check --offline` when uv is on PATH. A fresh lock passes without the network;
    a stale one either "needs to be updated" or needs a resolution that offline mode refuses.
    Anything else (no uv, no matching interpreter, too slow) is not a finding."""
    uv = shutil.which("uv")
    if uv is None:
        return []
    try:
        result = subprocess.run(
            [uv, "lock", "--check", "--offline", "--no-progress", "--directory", str(root)],
            capture_output=True,
            text=True,
            timeout=LOCK_TIMEOUT,
            env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
        )
    except (OSError, subprocess.SubprocessError):
        return []
    stale = ("needs to be updated", "network was disabled")
    if result.returncode != 0 and any(text in result.stderr for text in stale):
        return [Finding("uv.lock", "does not match the pyproject.toml files", RELOCK)]
    return []


def name_conflicts(plan: Plan) -> list[Finding]:
    """Service names that collide with another bake target or group of the generated file."""
    return [Finding.of(error) for error in render.name_conflicts(plan)]


def checked(plan: Plan) -> str:
    """What `check` looked at, in words, for the line it prints when it finds nothing."""

    top, _ = git.top(plan.workspace.root)
    services = len(plan.services)
    parts = [
        f"the imports of {services} service{'' if services == 1 else 's'}",
        "the generated files",
        *(["the workflow"] if (top / names.WORKFLOW).is_file() else []),
        *(["uv.lock (uv lock --check)"] if shutil.which("uv") else []),
    ]
    return ", ".join(parts)


def check(plan: Plan) -> list[Finding]:
    """Every finding for the workspace of `plan`. Its generated files are compared with a
    fresh render, which services named like a bake group or target would make fail."""
    root = plan.workspace.root
    conflicts = name_conflicts(plan)
    return [
        *conflicts,
        *undeclared_imports(plan, distributions=distributions(root)),
        *(
            []
            if conflicts
            else stale_files(root, render.render(plan), bake_file=plan.workspace.settings.bake_file)
        ),
        *stale_workflow(plan),
        *stale_lock(root),
    ]
