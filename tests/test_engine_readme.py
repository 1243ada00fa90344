"""README's build commands, run as written on a copy of the example."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine import BASE_IMAGE, UV_IMAGE, manifest_media_type, require_engine

pytestmark = pytest.mark.engine

TOP = Path(__file__).parent.parent
SECTIONS = ("## What it does", "## Overriding the bake file")


def section_commands() -> list[str]:
    text = (TOP / "README.md").read_text(encoding="utf-8")
    out = []
    for heading in SECTIONS:
        body = text.split(heading, 1)[1].split("\n## ", 1)[0]
        out += re.findall(r"```sh\n(.*?)\n```", body, flags=re.S)
    return out


def test_readme_build_commands_are_the_ones_tested() -> None:
    assert section_commands() == [
        "uvbake generate && docker buildx bake",
        "REGISTRY=localhost:5000/acme TAG=v1 docker buildx bake --push",
    ]


@pytest.mark.parametrize("command", section_commands())
def test_readme_build_command_runs(command: str, tmp_path: Path) -> None:
    require_engine()
    work = tmp_path / "ws"
    shutil.copytree(TOP / "examples" / "lambda-monorepo", work)
    env = {
        **os.environ,
        "BASE_IMAGE": BASE_IMAGE,
        "UV_IMAGE": UV_IMAGE,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    result = subprocess.run(
        ["bash", "-c", command], cwd=work, env=env, capture_output=True, text=True, timeout=1800
    )
    assert result.returncode == 0, result.stderr[-3000:]
    if "--push" in command:
        media = manifest_media_type("localhost:5000/acme/orders:v1")
        assert media.endswith("manifest.v1+json") or media.endswith("manifest.v2+json")
