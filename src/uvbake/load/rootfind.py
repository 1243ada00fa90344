"""Finding the workspace root as uv does: from a folder, the nearest project (a folder with a
pyproject.toml), then the nearest folder at or above it whose pyproject.toml has a
[tool.uv.workspace] that includes that project."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from uvbake import tomlfile
from uvbake.load import globs

BROKEN: dict[str, Any] = {}


def _workspace(folder: Path) -> dict[str, Any] | None:
    """The [tool.uv.workspace] table of folder/pyproject.toml, None without one, or BROKEN
    when the file is there but cannot be read as TOML."""
    path = folder / "pyproject.toml"
    if not path.is_file():
        return None
    try:
        data = tomlfile.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomlfile.TOMLDecodeError):
        return BROKEN
    table = data.get("tool", {}).get("uv", {}).get("workspace")
    return table if isinstance(table, dict) else None


def _includes(workspace: dict[str, Any], rel: str) -> bool:
    members = workspace.get("members", [])
    exclude = workspace.get("exclude", [])
    if not isinstance(members, list) or not isinstance(exclude, list):
        return False
    patterns = [p for p in members if isinstance(p, str)]
    if not any(globs.matches(p, rel) for p in patterns):
        return False
    return not any(isinstance(p, str) and globs.excludes(p, rel) for p in exclude)


def find_root(start: Path) -> Path:
    """The workspace root for `start`, or `start` itself when no workspace includes it (and
    loading it then names what is missing)."""
    start = start.resolve()
    project = next((d for d in (start, *start.parents) if (d / "pyproject.toml").is_file()), None)
    if project is None:
        return start
    for folder in (project, *project.parents):
        workspace = _workspace(folder)
        if workspace is None:
            continue
        if workspace is BROKEN:
            if folder == project:
                continue  # the workspace above it, if any, names the problem
            return folder  # loading it names the problem
        if folder == project or _includes(workspace, project.relative_to(folder).as_posix()):
            return folder
    return start


def enclosing(folder: Path) -> tuple[Path, bool] | None:
    """The root of the workspace `folder` is inside when `folder` is not that root itself,
    and whether `folder` is one of its members; None when no workspace includes it."""
    folder = folder.resolve()
    root = find_root(folder)
    if root == folder or not (root / "pyproject.toml").is_file():
        return None
    return root, (folder / "pyproject.toml").is_file()


def workspace_root(start: Path) -> Path:
    """The workspace found from `start`, as uv finds it: relative to the current folder when
    it is inside it."""
    found = find_root(start)
    here = Path.cwd().resolve()
    return Path(os.path.relpath(found, here)) if found.is_relative_to(here) else found
