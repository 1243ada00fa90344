"""The generated uvbake.Dockerfile.dockerignore (which BuildKit reads instead of .dockerignore
for builds with uvbake.Dockerfile): uvbake's defaults, then the user's .dockerignore, then the
entries that always stay out, so the user's lines can bring back a default but not those."""

from __future__ import annotations

from pathlib import Path

from helpers import build_tree, seed_workspace, uvbake
from uvbake.api import generated_files
from uvbake.names import DOCKERIGNORE

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


def test_a_dockerignore_or_renamed_bake_file_change_affects_every_service(tmp_path: Path) -> None:
    import io
    import json

    from gitrepo import git, init_repo
    from uvbake.commands import affected as affected_command
    from uvbake.console import Console

    root = seed_workspace(tmp_path)
    text = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(text + 'bake-file = "uvbake.hcl"\n')
    build_tree(root, {".dockerignore": "docs/\n"})
    assert uvbake("generate", cwd=root).returncode == 0
    init_repo(root)
    # the renamed bake file is weighed target by target: a variable reaches every service
    edits = [(".dockerignore", "docs/\n", "docs/\n\n"), ("uvbake.hcl", '"latest"', '"edge"')]
    for path, old, new in edits:
        (root / path).write_text((root / path).read_text().replace(old, new))
        out = io.StringIO()
        assert (
            affected_command.run(root=root, since="HEAD", as_json=True, console=Console(out=out))
            == 0
        )
        assert json.loads(out.getvalue()) == ["api", "worker"], path
        git(root, "checkout", "--", path)
