"""`--root` naming a folder inside a workspace, not its root: every error says which
workspace the folder belongs to, and how to name its root."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import seed_workspace, uvbake

FIX = "pass --root {ws}, or leave --root out (uvbake finds the root as uv does)"


@pytest.mark.parametrize(
    ("root", "line"),
    [
        (
            "ws/services/api",
            "ws/services/api/pyproject.toml: has no [tool.uv.workspace] table: ws/services/api "
            "is a member of the workspace at ws, not its root",
        ),
        (
            "ws/services",
            "ws/services/pyproject.toml: file not found: ws/services is a folder inside the "
            "workspace at ws, not its root",
        ),
        (
            "ws/services/api/src/api",
            "ws/services/api/src/api/pyproject.toml: file not found: ws/services/api/src/api "
            "is a folder inside the workspace at ws, not its root",
        ),
    ],
    ids=["member", "folder-of-members", "package-in-a-member"],
)
@pytest.mark.parametrize("command", ["generate", "list", "check", "matrix", "ci github"])
def test_a_folder_inside_a_workspace_names_it(
    tmp_path: Path, root: str, line: str, command: str
) -> None:
    seed_workspace(tmp_path / "ws")
    ran = uvbake(*command.split(), "--root", root, cwd=tmp_path)
    assert (ran.returncode, ran.stdout) == (1, "")
    assert ran.stderr == f"uvbake: error: {line}; {FIX.format(ws='ws')}\n"


def test_from_inside_the_member_the_root_is_named_relative_to_it(tmp_path: Path) -> None:
    seed_workspace(tmp_path / "ws")
    ran = uvbake("generate", "--root", ".", cwd=tmp_path / "ws/services/api")
    assert ran.stderr == (
        "uvbake: error: pyproject.toml: has no [tool.uv.workspace] table: . is a member of "
        f"the workspace at ../.., not its root; {FIX.format(ws='../..')}\n"
    )


def test_a_folder_in_no_workspace_keeps_its_error(tmp_path: Path) -> None:
    (tmp_path / "alone").mkdir()
    ran = uvbake("generate", "--root", "alone", cwd=tmp_path)
    assert ran.stderr == (
        "uvbake: error: pyproject.toml: file not found; run uvbake in the workspace root or "
        "pass --root\n"
    )
