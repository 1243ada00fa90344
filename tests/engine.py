"""Running real `docker buildx bake` builds and reading what they executed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest
from progress import Step, parse_plain_progress, unfinished_steps

BASE_IMAGE = os.environ.get("UVBAKE_TEST_BASE_IMAGE", "localhost:5000/lambda/python:3.13")
UV_IMAGE = os.environ.get("UVBAKE_TEST_UV_IMAGE", "localhost:5000/astral-sh/uv:0.13.9")
REGISTRY = "localhost:5000/uvbake-e2e"
# A cold bake of the example takes 2-5 minutes here; far longer means a stuck step.
BAKE_TIMEOUT = 1200


def engine_missing() -> str | None:
    """Why no engine test can run here, or None when docker, buildx and the images are up."""
    if shutil.which("docker") is None:
        return "no docker CLI"
    checks = [
        ["docker", "info", "--format", "{{.ServerVersion}}"],
        ["docker", "buildx", "version"],
        ["docker", "buildx", "imagetools", "inspect", BASE_IMAGE],
        ["docker", "buildx", "imagetools", "inspect", UV_IMAGE],
    ]
    for argv in checks:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            return f"`{' '.join(argv)}` failed: run bake/engine-up.sh and bake/images.sh"
    return None


def require_engine() -> None:
    """Skip without an engine, except in CI, where a skipped engine test is a failure."""
    reason = engine_missing()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"engine tests cannot be skipped in CI: {reason}")
    pytest.skip(reason)


def bake(
    workdir: Path, *args: str, env: Mapping[str, str] | None = None, tag: str = "e2e"
) -> list[Step]:
    full_env = {
        **os.environ,
        "BASE_IMAGE": BASE_IMAGE,
        "UV_IMAGE": UV_IMAGE,
        "REGISTRY": REGISTRY,
        "TAG": tag,
        **(env or {}),
    }
    try:
        result = subprocess.run(
            ["docker", "buildx", "bake", "--progress=plain", *args],
            cwd=workdir,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=BAKE_TIMEOUT,
        )
    except subprocess.TimeoutExpired as stuck:
        log = stuck.stderr.decode(errors="replace") if isinstance(stuck.stderr, bytes) else ""
        raise AssertionError(
            f"bake still running after {BAKE_TIMEOUT} s; steps never finished: "
            f"{unfinished_steps(log)}\n{log[-4000:]}"
        ) from None
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if "ERROR" in line or "error" in line]
        raise AssertionError("bake failed:\n" + "\n".join(errors[-40:]) + result.stderr[-3000:])
    return parse_plain_progress(result.stderr)


def invoke(image: str, event: object, *handler: str, platform: str = "linux/arm64") -> object:
    result = subprocess.run(
        ["docker", "run", "--rm", "-i", "--platform", platform, image, *handler],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def shell(image: str, script: str) -> str:
    result = subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "--platform",
            "linux/arm64",
            "--entrypoint",
            "/bin/sh",
            image,
            "-c",
            script,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def layers(image: str) -> list[str]:
    out = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{json .RootFS.Layers}}", image],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return list(json.loads(out))


def manifest_media_type(ref: str) -> str:
    out = subprocess.run(
        ["docker", "buildx", "imagetools", "inspect", "--raw", ref],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return str(json.loads(out)["mediaType"])
