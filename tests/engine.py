"""Running real `docker buildx bake` builds and reading what they executed.

The engine is the one the environment points at (DOCKER_HOST, else the default socket of
bake/engine-up.sh). UVBAKE_ENGINE=current selects the current engine of
bake/engine-current-up.sh (dockerd 28, buildx 0.29) for every docker command the tests run.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from progress import Step, parse_plain_progress, parse_retried_progress, unfinished_steps

from helpers import uvbake

BASE_IMAGE = os.environ.get("UVBAKE_TEST_BASE_IMAGE", "localhost:5000/lambda/python:3.13")
UV_IMAGE = os.environ.get("UVBAKE_TEST_UV_IMAGE", "localhost:5000/astral-sh/uv:0.13.9")
REGISTRY = "localhost:5000/uvbake-e2e"
# A cold bake of the example takes 2-5 minutes here; far longer means a stuck step.
BAKE_TIMEOUT = 1200
# uv's words when the package index did not answer at all: no address for its host, or no
# connection. That is the network's failure, not the build's (uv has already retried).
INDEX_UNREACHABLE = re.compile(r"dns error|client error \(Connect\)")
# bake/engine-current-up.sh: where the current engine's socket, CLI and buildx plugin live.
CURRENT_ENGINE = {
    "DOCKER_HOST": "unix:///run/uvbake-current/docker.sock",
    "DOCKER_CONFIG": "/opt/uvbake/engine-current/docker-config",
}
CURRENT_CLI = "/opt/uvbake/engine-current/root/usr/bin"
INVOKE_PATH = "/2015-03-31/functions/function/invocations"
INVOKE_TIMEOUT = 300
# An event the example's orders service answers.
ORDER = {
    "order_id": "o-1",
    "customer": "Ada",
    "lines": [
        {"sku": "A", "quantity": 2, "unit_price": "1.50"},
        {"sku": "B", "quantity": 1, "unit_price": "4"},
    ],
}
# QEMU's binfmt_misc entry for aarch64 (bake/engine-up.sh registers it).
BINFMT = Path("/proc/sys/fs/binfmt_misc/qemu-aarch64")


def select_engine() -> str:
    """Point this process (and every docker command it starts) at the chosen engine."""
    engine = os.environ.get("UVBAKE_ENGINE", "default")
    if engine == "current":
        os.environ.update(CURRENT_ENGINE)
        if not os.environ["PATH"].startswith(CURRENT_CLI + os.pathsep):
            os.environ["PATH"] = CURRENT_CLI + os.pathsep + os.environ["PATH"]
    elif engine != "default":
        raise SystemExit(f"UVBAKE_ENGINE={engine}: use `default` or `current`")
    return engine


ENGINE = select_engine()


def buildx_version() -> tuple[int, int]:
    """(major, minor) of the docker buildx plugin in use."""
    out = subprocess.run(
        ["docker", "buildx", "version"], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r" v?(\d+)\.(\d+)", out)
    assert found, out
    return int(found[1]), int(found[2])


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
            up = "UVBAKE_ENGINE=current " if ENGINE == "current" else ""
            return f"`{' '.join(argv)}` failed: run {up}bake/engine-up.sh and bake/images.sh"
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
    """`docker buildx bake --progress=plain ARGS` in `workdir`: every step, run or cached.

    A bake that failed only because the package index was unreachable is run once more,
    after a pause; the steps of both runs count, so a step the first run did is reported
    as run, not as cached."""
    first = _bake_once(workdir, args, env=env, tag=tag)
    if first.returncode != 0 and INDEX_UNREACHABLE.search(first.stderr):
        print("bake: the package index was unreachable; baking once more", file=sys.stderr)
        time.sleep(10)
        again = _bake_once(workdir, args, env=env, tag=tag)
        _raise_if_failed(again)
        return parse_retried_progress(first.stderr, again.stderr)
    _raise_if_failed(first)
    return parse_plain_progress(first.stderr)


def _bake_once(
    workdir: Path, args: tuple[str, ...], *, env: Mapping[str, str] | None, tag: str
) -> subprocess.CompletedProcess[str]:
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
    return result


def _raise_if_failed(result: subprocess.CompletedProcess[str]) -> None:
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if "ERROR" in line or "error" in line]
        raise AssertionError("bake failed:\n" + "\n".join(errors[-40:]) + result.stderr[-3000:])


def invoke(image: str, event: object, *handler: str, platform: str = "linux/arm64") -> object:
    """Invoke the function in `image` (for `platform`) with one event, as one does locally with
    the Lambda base image: `docker run -p 127.0.0.1::8080`, then POST the event to the
    runtime interface emulator. Returns the decoded result; a function error fails."""
    payload, error, logs = invoke_raw(image, event, *handler, platform=platform)
    assert error is None, f"function error {error}: {payload!r}\n{logs}"
    return payload


def invoke_raw(
    image: str, event: object, *handler: str, platform: str = "linux/arm64"
) -> tuple[object, str | None, str]:
    """Like `invoke`: the decoded answer, its X-Amz-Function-Error header and the logs."""
    run = ["docker", "run", "-d", "--platform", platform, "-p", "127.0.0.1::8080"]
    started = subprocess.run(
        [*run, image, *handler],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert started.returncode == 0, started.stderr
    container = started.stdout.strip()
    try:
        port = (
            subprocess.run(
                ["docker", "port", container, "8080/tcp"],
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.split()[0]
            .rsplit(":", 1)[1]
        )
        payload, error = _post(container, f"http://127.0.0.1:{port}{INVOKE_PATH}", event)
        return json.loads(payload), error, _logs(container)
    finally:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True)


def _post(container: str, url: str, event: object) -> tuple[bytes, str | None]:
    """POST once the emulator listens (the port answers before it does): body, error header."""
    deadline = time.monotonic() + INVOKE_TIMEOUT
    request = urllib.request.Request(url, data=json.dumps(event).encode(), method="POST")
    while True:
        try:
            with urllib.request.urlopen(request, timeout=INVOKE_TIMEOUT) as response:
                return response.read(), response.headers.get("X-Amz-Function-Error")
        except (ConnectionError, http.client.HTTPException, urllib.error.URLError) as exc:
            state = subprocess.run(
                ["docker", "inspect", "--format", "{{.State.Running}}", container],
                capture_output=True,
                text=True,
            ).stdout.strip()
            if state != "true" or time.monotonic() > deadline:
                hint = (
                    ""
                    if state == "true"
                    else (
                        "; the container exited: a base image older than its runtime interface "
                        "emulator? run bake/images.sh"
                    )
                )
                raise AssertionError(
                    f"no answer from {url}: {exc}{hint}\n{_logs(container)}"
                ) from None
            time.sleep(0.2)


def _logs(container: str) -> str:
    logs = subprocess.run(["docker", "logs", container], capture_output=True, text=True)
    return (logs.stdout + logs.stderr)[-3000:]


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


@contextlib.contextmanager
def no_arm64_emulation() -> Iterator[None]:
    """QEMU's binfmt entry for aarch64 switched off, and on again afterwards, come what may.
    Without the entry the test is skipped, except in CI, where that is a failure."""
    if not BINFMT.exists():
        reason = f"{BINFMT} is missing: run bake/engine-up.sh"
        if os.environ.get("CI") == "true":
            pytest.fail(f"cannot switch arm64 emulation off in CI: {reason}")
        pytest.skip(reason)
    BINFMT.write_text("0")
    try:
        yield
    finally:
        BINFMT.write_text("1")
    assert BINFMT.read_text().startswith("enabled")


def workspace_root(name: str, *, python: str = "3.13") -> str:
    """The root pyproject.toml of a workspace whose members are services/*."""
    return (
        f'[project]\nname = "{name}"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n\n'
        '[tool.uv.workspace]\nmembers = ["services/*"]\n\n'
        f'[tool.uvbake]\npython = "{python}"\n'
    )


def lock_and_generate(root: Path) -> Path:
    """`uv lock` (the real one, from the package index) and `uvbake generate` in `root`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UV_")}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    done = subprocess.run(
        [sys.executable, "-m", "uv", "lock", "--directory", str(root), "--python", sys.executable],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    generated = uvbake("generate", cwd=root)
    assert generated.returncode == 0, generated.stderr
    return root
