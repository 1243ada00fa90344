"""The generated uvbake.Dockerfile.dockerignore (which BuildKit reads instead of .dockerignore
for builds with uvbake.Dockerfile): uvbake's defaults, then the user's .dockerignore, then the
entries that always stay out, so the user's lines can bring back a default but not those."""

from __future__ import annotations

from pathlib import Path

from helpers import build_tree, seed_workspace, uvbake
from uvbake.commands import generated_files
from uvbake.render import DOCKERIGNORE

OVERRIDABLE = ["**/.env", "**/.env.*", "**/tests", "**/test"]
ALWAYS = ["**/.git", "**/.venv", "**/venv", "**/__pycache__", "**/*.py[cod]"]


def patterns(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_defaults_without_a_dockerignore(tmp_path: Path) -> None:
    _, files = generated_files(seed_workspace(tmp_path))
    lines = patterns(files[DOCKERIGNORE])
    assert lines[:4] == OVERRIDABLE
    assert lines[4:9] == ALWAYS


def test_the_users_lines_sit_between_the_defaults_and_what_always_stays_out(
    tmp_path: Path,
) -> None:
    root = seed_workspace(tmp_path)
    build_tree(root, {".dockerignore": "# mine\n*.md\n!**/tests\n\n.venv-local\n"})
    _, files = generated_files(root)
    lines = patterns(files[DOCKERIGNORE])
    assert lines == [*OVERRIDABLE, "*.md", "!**/tests", ".venv-local", *lines[-10:]]
    assert lines[-10:][:5] == ALWAYS
    assert "# ---- from .dockerignore\n# mine\n*.md\n" in files[DOCKERIGNORE]


def test_editing_the_dockerignore_makes_the_generated_files_stale(tmp_path: Path) -> None:
    root = seed_workspace(tmp_path)
    assert uvbake("generate", cwd=root).returncode == 0
    build_tree(root, {".dockerignore": "docs/\n"})
    result = uvbake("generate", "--check", cwd=root)
    assert result.returncode == 1
    assert "+docs/" in result.stdout
