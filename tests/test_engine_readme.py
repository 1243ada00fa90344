"""README's build commands, run as written on a copy of the example."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from engine import BASE_IMAGE, REGISTRY, UV_IMAGE, manifest_media_type, require_engine
from test_readme_quickstart import commands, example_without_generated_files

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


def test_the_quickstart_runs_as_written(tmp_path: Path) -> None:
    """Every command of the Quickstart, in order, on a copy of the example without its
    generated files: list, generate, build, verify, push and the images by digest."""
    require_engine()
    work = example_without_generated_files(tmp_path)
    tag = f"q{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "BASE_IMAGE": BASE_IMAGE,
        "UV_IMAGE": UV_IMAGE,
        "REGISTRY": REGISTRY,
        "TAG": tag,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    targets = ["ingestion-worker", "notifications", "orders"]
    try:
        for command in commands():
            done = subprocess.run(
                ["bash", "-ec", command],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                timeout=1800,
            )
            assert done.returncode == 0, (command, done.stderr[-3000:])
    finally:
        refs = [f"{REGISTRY}/{target}:{tag}" for target in targets]
        subprocess.run(["docker", "image", "rm", *refs], capture_output=True)
    images = json.loads(done.stdout)
    assert list(images) == targets
    for target, image in images.items():
        assert image["image"] == f"{REGISTRY}/{target}@{image['digest']}"
        assert image["tags"] == [f"{REGISTRY}/{target}:{tag}"]
