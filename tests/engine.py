"""Running real `docker buildx bake` builds and reading what they executed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

BASE_IMAGE = os.environ.get("UVBAKE_TEST_BASE_IMAGE", "localhost:5000/lambda/python:3.13")
UV_IMAGE = os.environ.get("UVBAKE_TEST_UV_IMAGE", "localhost:5000/astral-sh/uv:0.13.9")
REGISTRY = "localhost:5000/uvbake-e2e"
# A cold bake of the example takes 2-5 minutes here; far longer means a stuck step.
BAKE_TIMEOUT = 1200

_STEP = re.compile(
    r"^#(\d+) \[(?:(?P<target>[a-z0-9_-]+) )?(?P<stage>[a-z0-9._-]+) +\d+/\d+\] (?P<cmd>.*)$"
)
_STATUS = re.compile(r"^#(\d+) (CACHED|DONE [0-9.]+s|ERROR.*)$")


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


@dataclass(frozen=True)
class Step:
    stage: str
    command: str
    cached: bool

    @property
    def is_run(self) -> bool:
        return self.command.startswith("RUN ")


def parse_plain_progress(text: str) -> list[Step]:
    """Every Dockerfile step of a `--progress=plain` log, once each, with its cache status."""
    names: dict[str, tuple[str, str]] = {}
    status: dict[str, bool] = {}
    for line in text.splitlines():
        step = _STEP.match(line)
        if step:
            names[step.group(1)] = (step.group("stage"), step.group("cmd"))
            continue
        done = _STATUS.match(line)
        if done and done.group(1) in names:
            status[done.group(1)] = done.group(2) == "CACHED"
    seen: dict[tuple[str, str], bool] = {}
    for vid, (stage, cmd) in names.items():
        if vid in status:
            key = (stage, cmd)
            seen[key] = seen.get(key, True) and status[vid]
    return [Step(stage=s, command=c, cached=cached) for (s, c), cached in sorted(seen.items())]


def unfinished_steps(text: str) -> list[str]:
    """The `[stage] command` of every step a plain log started but never finished."""
    started: dict[str, str] = {}
    finished: set[str] = set()
    for line in text.splitlines():
        step = _STEP.match(line)
        if step:
            started[step.group(1)] = f"[{step.group('stage')}] {step.group('cmd')[:80]}"
        done = _STATUS.match(line)
        if done:
            finished.add(done.group(1))
    return [name for vid, name in started.items() if vid not in finished]


def executed_runs(steps: list[Step]) -> list[str]:
    """Stages whose RUN steps really ran (not from cache), sorted."""
    return sorted({s.stage for s in steps if s.is_run and not s.cached})


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


def invoke(image: str, event: object, *handler: str) -> object:
    result = subprocess.run(
        ["docker", "run", "--rm", "-i", "--platform", "linux/arm64", image, *handler],
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
