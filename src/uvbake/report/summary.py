"""What a person reads after `uvbake generate`: the services and functions found, the Python
and where it came from, the base image, and the image targets added or removed compared with
the bake file written before. Pure: a plan and the previous bake file's text in, lines out."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from uvbake.plan.records import Plan

# Where [tool.uvbake] python, else .python-version, else requires-python put the Python.
PYTHON_FROM = {
    "pyproject.toml": "[tool.uvbake] python",
    ".python-version": ".python-version",
    "uv.lock": "the newest Lambda Python that requires-python allows",
}
DEFAULT_GROUP = re.compile(r'^group "default" \{.*?^  targets = (\[.*?\])$', flags=re.M | re.S)


def targets_in(bake_file: str | None) -> tuple[str, ...] | None:
    """The image targets of a bake file uvbake wrote (its default group), or None when there
    is none or it cannot be read."""
    found = DEFAULT_GROUP.search(bake_file or "")
    if found is None:
        return None
    try:
        names = json.loads(found[1])
    except json.JSONDecodeError:
        return None
    return tuple(str(n) for n in names) if isinstance(names, list) else None


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _services(plan: Plan) -> list[str]:
    images = sum(len(s.targets) for s in plan.services)
    names = ", ".join(s.name for s in plan.services)
    lines = [f"{_plural(len(plan.services), 'service')}, {_plural(images, 'image')}: {names}"]
    for s in plan.services:
        if s.functions:
            functions = ", ".join(f"{target} ({handler})" for target, handler in s.targets)
            lines.append(f"  {s.name}: one image per function: {functions}")
    return lines


def _targets(now: Sequence[str], before: Sequence[str] | None, *, bake_file: str) -> list[str]:
    if before is None:
        return []
    added = [t for t in now if t not in before]
    removed = [t for t in before if t not in now]
    changes = [
        *([f"added {', '.join(added)}"] if added else []),
        *([f"removed {', '.join(removed)}"] if removed else []),
    ]
    if not changes:
        return [f"targets: the same as in the previous {bake_file}"]
    return [f"targets: {'; '.join(changes)} (compared with the previous {bake_file})"]


def summary(plan: Plan, *, previous_bake_file: str | None) -> list[str]:
    """The lines `generate` prints after writing."""
    settings = plan.workspace.settings
    where = PYTHON_FROM.get(settings.python_from, settings.python_from)
    now = [t for s in plan.services for t, _ in s.targets]
    own_bases = sorted({s.base_image for s in plan.services if s.base_image})
    bases = f" (and {', '.join(own_bases)} for some services)" if own_bases else ""
    return [
        *_services(plan),
        f"python {settings.python}, from {where}",
        f"base image {settings.base_image}{bases}",
        *_targets(now, targets_in(previous_bake_file), bake_file=settings.bake_file),
    ]
