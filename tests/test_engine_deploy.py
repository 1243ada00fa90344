"""`uvbake images` on a real push: the example baked with `--push --metadata-file` to the
loopback registry, each target's image by digest compared with the manifest the registry
serves for its tag."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.request
import uuid
from pathlib import Path
from typing import ClassVar

import pytest

from engine import BASE_IMAGE, REGISTRY, UV_IMAGE, bake, require_engine
from helpers import uvbake
from uvbake.render.files import REGISTRY_EMPTY

pytestmark = pytest.mark.engine

TOP = Path(__file__).parent.parent
EXAMPLE = TOP / "examples" / "lambda-monorepo"
README = TOP / "README.md"
BIN = Path(sys.executable).parent
SERVICES = ["ingestion-worker", "notifications", "orders"]
MANIFESTS = ", ".join(
    [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]
)


def served(reference: str) -> tuple[str, str]:
    """The digest of the manifest the registry serves for `host/repository:tag` (or
    `@digest`), computed from its bytes, and the digest the registry names."""
    host, _, rest = reference.partition("/")
    repository, tag = rest.split("@", 1) if "@" in rest else rest.rsplit(":", 1)
    request = urllib.request.Request(
        f"http://{host}/v2/{repository}/manifests/{tag}", headers={"Accept": MANIFESTS}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read()
        named = response.headers["Docker-Content-Digest"]
    return "sha256:" + hashlib.sha256(body).hexdigest(), named


def test_images_are_the_manifests_the_registry_serves(tmp_path: Path) -> None:
    require_engine()
    work = tmp_path / "ws"
    shutil.copytree(EXAMPLE, work, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
    tag = f"d{uuid.uuid4().hex[:10]}"
    bake(work, "--push", "--metadata-file", "meta.json", tag=tag)
    ran = uvbake("images", "meta.json", cwd=work)
    assert (ran.returncode, ran.stderr) == (0, "")
    images = json.loads(ran.stdout)
    assert list(images) == SERVICES
    for target, image in images.items():
        repository = f"{REGISTRY}/{target}"
        assert image["service"] == target and image["function"] is None
        assert image["tags"] == [f"{repository}:{tag}"]
        assert image["image"] == f"{repository}@{image['digest']}"
        assert served(image["tags"][0]) == (image["digest"], image["digest"])
        assert served(image["image"]) == (image["digest"], image["digest"])


def test_an_empty_registry_stops_the_bake_on_one_line(tmp_path: Path) -> None:
    """A release whose REGISTRY variable is unset: buildx stops before building, with one
    ERROR line that names the problem (buildx may print the source lines above it)."""
    require_engine()
    work = tmp_path / "ws"
    shutil.copytree(EXAMPLE, work, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
    done = subprocess.run(
        ["docker", "buildx", "bake", "--push", "release"],
        cwd=work,
        env={**os.environ, "REGISTRY": "", "TAG": "x"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1, done.stderr
    assert errors[0].endswith(f'cannot parse "{REGISTRY_EMPTY}" as a base 10 integer.')
    assert "/orders:x" not in done.stderr


class LambdaApi(http.server.BaseHTTPRequestHandler):
    """The one call of the Lambda API the README's AWS CLI lines make: UpdateFunctionCode,
    recorded by function name."""

    calls: ClassVar[dict[str, object]] = {}

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        name = self.path.removeprefix("/2015-03-31/functions/").removesuffix("/code")
        LambdaApi.calls[name] = json.loads(body)
        answer = json.dumps({"FunctionName": name}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        pass


def deploy_snippets() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Deploying\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, flags=re.S)


def test_readme_deploy_commands_run_as_written(tmp_path: Path) -> None:
    """Every command of README's Deploying section, in order, on a copy of the example: the
    AWS CLI against a Lambda API on loopback (AWS_ENDPOINT_URL); SAM, not installed here,
    replaced by a script that records its arguments."""
    require_engine()
    if shutil.which("aws") is None or shutil.which("jq") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the AWS CLI and jq are needed: .ci/run installs them")
        pytest.skip("the AWS CLI and jq are needed")
    work = tmp_path / "ws"
    shutil.copytree(EXAMPLE, work, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
    tools = tmp_path / "bin"
    tools.mkdir()
    sam = tools / "sam"
    sam.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {tmp_path / "sam-args"}\n')
    sam.chmod(0o755)
    LambdaApi.calls = {}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), LambdaApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {
        **os.environ,
        "BASE_IMAGE": BASE_IMAGE,
        "UV_IMAGE": UV_IMAGE,
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{server.server_address[1]}",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "PATH": os.pathsep.join([str(tools), str(BIN), os.environ["PATH"]]),
    }
    outputs = []
    try:
        for snippet in deploy_snippets():
            done = subprocess.run(
                ["bash", "-ec", snippet], cwd=work, env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, (snippet, done.stderr[-3000:])
            outputs.append(done.stdout)
    finally:
        server.shutdown()
    images = json.loads((work / "uvbake-images.json").read_text())
    refs = {target: image["image"] for target, image in images.items()}
    assert list(refs) == SERVICES
    for target, ref in refs.items():
        assert served(ref)[0] == images[target]["digest"]
    assert outputs[1] == "".join(f"{t:<16}  {r}\n" for t, r in refs.items())
    assert LambdaApi.calls == {t: {"ImageUri": r} for t, r in refs.items()}
    assert (tmp_path / "sam-args").read_text() == (
        f"deploy\n--parameter-overrides\nOrdersImageUri={refs['orders']}\n"
    )
