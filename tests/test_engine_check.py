"""`docker buildx bake --call check` on the current engine (buildx 0.29, dockerd 28): the
Dockerfile frontend's build checks find nothing in what uvbake generates.

These run on the current engine whichever engine the suite was pointed at: buildx 0.13 has
no `--call`. They build nothing (the checks only read the Dockerfile and the base images).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine import BASE_IMAGE, CURRENT_CLI, CURRENT_ENGINE, UV_IMAGE
from helpers import layouts_workspace
from test_engine_layouts import _vcs_workspace

pytestmark = pytest.mark.engine

EXAMPLE = Path(__file__).parent.parent / "examples" / "lambda-monorepo"
SERVICES = {"example": 3, "layouts": 3, "vcs": 1}


def _current_env() -> dict[str, str]:
    env = {**os.environ, **CURRENT_ENGINE, "BASE_IMAGE": BASE_IMAGE, "UV_IMAGE": UV_IMAGE}
    env["PATH"] = CURRENT_CLI + os.pathsep + env["PATH"]
    probe = subprocess.run(
        ["docker", "buildx", "version"], env=env, capture_output=True, text=True, timeout=60
    )
    if probe.returncode != 0:
        reason = "no current engine: run UVBAKE_ENGINE=current bash bake/engine-up.sh"
        if os.environ.get("CI") == "true":
            pytest.fail(f"engine tests cannot be skipped in CI: {reason}")
        pytest.skip(reason)
    return env


def _workspace(kind: str, tmp_path: Path) -> Path:
    if kind == "example":
        root = tmp_path / "ws"
        shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
        return root
    root = layouts_workspace(tmp_path / "ws") if kind == "layouts" else _vcs_workspace(tmp_path)
    generated = subprocess.run(
        [sys.executable, "-m", "uvbake", "generate"], cwd=root, capture_output=True, text=True
    )
    assert generated.returncode == 0, generated.stderr
    return root


def _check(root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", "buildx", "bake", "--call", "check"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("kind", sorted(SERVICES))
def test_bake_call_check_reports_no_warnings(kind: str, tmp_path: Path) -> None:
    env = _current_env()
    result = _check(_workspace(kind, tmp_path), env)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert out.count("Check complete, no warnings found.") == SERVICES[kind], out
    assert "WARNING" not in out, out


def test_bake_call_check_reports_a_warning_it_finds(tmp_path: Path) -> None:
    """The check bites: a lowercase `as` in a stage name is a FromAsCasing warning."""
    env = _current_env()
    root = _workspace("example", tmp_path)
    dockerfile = root / "uvbake.Dockerfile"
    text = dockerfile.read_text()
    stage = " AS uvbake.builder-native\n"
    assert stage in text
    dockerfile.write_text(text.replace(stage, " as uvbake.builder-native\n"))
    result = _check(root, env)
    assert result.returncode != 0
    assert "FromAsCasing" in result.stdout + result.stderr


def test_bake_list_targets_describes_every_target(tmp_path: Path) -> None:
    env = _current_env()
    listed = subprocess.run(
        ["docker", "buildx", "bake", "--list", "targets"],
        cwd=_workspace("example", tmp_path),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    rows = dict(line.split(None, 1) for line in listed.stdout.splitlines()[1:] if line.strip())
    assert rows["orders"] == "Lambda image of orders (handler orders.main.handler)"
    assert rows["default"] == "Every service image (ingestion-worker, notifications, orders)"
    assert all(description.strip() for description in rows.values()), rows
