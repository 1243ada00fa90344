"""End to end: `uvbake generate && docker buildx bake` on a copy of the example, for real.

The tests run in order on one working copy: a cold bake, then one change at a time,
each followed by a bake whose executed steps are compared with what that change needs.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path
from typing import Any

import pytest
from progress import Step, executed_runs

from engine import (
    ORDER,
    REGISTRY,
    bake,
    buildx_version,
    invoke,
    invoke_raw,
    layers,
    manifest_media_type,
    require_engine,
    shell,
)
from helpers import uvbake

pytestmark = pytest.mark.engine

EXAMPLE = Path(__file__).parent.parent / "examples" / "lambda-monorepo"
SCRIPTS = Path(__file__).parent.parent / "src" / "uvbake" / "render" / "templates" / "scripts"
SERVICES = ("ingestion-worker", "notifications", "orders")
# Stages that install into site-packages: third-party layers and workspace libraries.
INSTALL_STAGES = ("uvbake.layer-", "uvbake.lib-")


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    require_engine()
    # Forget earlier builds (keeping only the uv download cache) so every change below is new.
    for kind in ("regular", "source.local", "internal", "frontend"):
        subprocess.run(
            ["docker", "builder", "prune", "-af", "--filter", f"type={kind}"],
            check=True,
            capture_output=True,
        )
    work = tmp_path_factory.mktemp("e2e") / "ws"
    shutil.copytree(EXAMPLE, work, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
    generated = uvbake("generate", cwd=work, via="module")
    assert generated.returncode == 0, generated.stderr
    return {"work": work, "tag": f"t{uuid.uuid4().hex[:10]}"}


def _bake(state: dict[str, Any], *args: str) -> list[Step]:
    return bake(state["work"], *args, tag=state["tag"])


def _image(state: dict[str, Any], service: str) -> str:
    return f"{REGISTRY}/{service}:{state['tag']}"


def _installs(steps: list[Step]) -> list[str]:
    return [s for s in executed_runs(steps) if s.startswith(INSTALL_STAGES)]


def test_cold_bake_builds_every_service(state: dict[str, Any]) -> None:
    installs = _installs(_bake(state))
    # each layer and each library is built once, whatever number of images has it
    assert sorted(installs) == [
        "uvbake.layer-1",
        "uvbake.layer-2",
        "uvbake.layer-3",
        "uvbake.lib-common-logging",
        "uvbake.lib-common-models",
    ]
    for service in SERVICES:
        assert layers(_image(state, service))


def test_the_build_scripts_reach_the_builders_byte_for_byte(state: dict[str, Any]) -> None:
    """The builder holds src/uvbake/render/templates/scripts as they are: the Dockerfile
    frontend keeps a heredoc's text (comment lines, backslashes) unchanged."""
    image = f"uvbake-e2e/builder-native:{uuid.uuid4().hex[:10]}"
    _bake(
        state,
        "--set",
        "orders.target=uvbake.builder-native",
        "--set",
        f"orders.tags={image}",
        "orders",
    )
    container = subprocess.run(
        ["docker", "create", image], capture_output=True, text=True, check=True
    ).stdout.strip()
    try:
        got = {
            name: subprocess.run(
                ["docker", "cp", f"{container}:/usr/local/bin/{name}", "-"],
                capture_output=True,
                check=True,
            ).stdout
            for name in ("uvbake-finish", "uvbake-uv")
        }
    finally:
        subprocess.run(["docker", "rm", container], capture_output=True, check=False)
        subprocess.run(["docker", "rmi", image], capture_output=True, check=False)
    # docker cp writes a tar stream: one member per file
    members = {}
    for name, stream in got.items():
        with tarfile.open(fileobj=io.BytesIO(stream)) as tar:
            member = tar.getmember(name)
            members[name] = (member.mode & 0o111 != 0, tar.extractfile(member).read())  # type: ignore[union-attr]
    assert members["uvbake-finish"][1] == (SCRIPTS / "finish.py").read_bytes()
    assert members["uvbake-uv"][0]
    assert members["uvbake-uv"][1].startswith(b"#!/bin/sh\n")


def test_every_image_answers_through_its_own_cmd(state: dict[str, Any]) -> None:
    total = json.dumps(
        {"order_id": "o-1", "status": "accepted", "total": "7.00"}, separators=(",", ":")
    )
    assert invoke(_image(state, "orders"), ORDER) == {"statusCode": 200, "body": total}
    message = json.dumps(
        {"message": "Hello Ada, order o-1 (2 lines) totals 7.00."}, separators=(",", ":")
    )
    assert invoke(_image(state, "notifications"), ORDER) == {"statusCode": 200, "body": message}
    hook = {"source": "github", "url": "https://Example.com/hooks?id=1"}
    body = json.dumps(
        {"host": "example.com", "url": "https://example.com/hooks?id=1&source=github"},
        separators=(",", ":"),
    )
    assert invoke(_image(state, "ingestion-worker"), hook) == {"statusCode": 202, "body": body}


def test_function_errors_answer_as_lambda_does(state: dict[str, Any]) -> None:
    """Through the base image's runtime (awslambdaric): a handler that raises and a handler
    that does not exist give Lambda's error objects and the X-Amz-Function-Error header."""
    raised, error, logs = invoke_raw(_image(state, "orders"), {"order_id": "o-1"})
    assert error == "Unhandled", raised
    assert isinstance(raised, dict) and raised["errorType"] and raised["stackTrace"], raised
    assert "START RequestId" in logs and "REPORT RequestId" in logs
    missing, error, _ = invoke_raw(_image(state, "orders"), {}, "orders.main.nope")
    assert error == "Unhandled"
    assert missing == {
        "errorMessage": "Handler 'nope' missing on module 'orders.main'",
        "errorType": "Runtime.HandlerNotFound",
        "requestId": "",
        "stackTrace": [],
    }


def test_base_image_boto3_is_importable_in_every_image(state: dict[str, Any]) -> None:
    """As in Lambda: boto3 from the base image's site-packages, under the service's layers."""
    for service in SERVICES:
        out = shell(_image(state, service), "python3 -c 'import boto3; print(boto3.__file__)'")
        assert out.strip() == "/var/lang/lib/python3.13/site-packages/boto3/__init__.py", out


def test_shared_layers_have_one_digest_and_images_are_clean(state: dict[str, Any]) -> None:
    stacks = {service: layers(_image(state, service)) for service in SERVICES}
    orders, notifications, ingestion = (
        stacks["orders"],
        stacks["notifications"],
        stacks["ingestion-worker"],
    )
    # orders:        base + layer-1 + code (common-logging, common-models, orders)
    # notifications: base + layer-1 + layer-3 + code
    # ingestion:     base + layer-1 + layer-2 + code
    base = len(orders) - 2
    assert (len(notifications), len(ingestion)) == (base + 3, base + 3)
    assert all(s[: base + 1] == orders[: base + 1] for s in stacks.values())
    assert notifications[base + 1] != ingestion[base + 1]
    assert len({orders[-1], notifications[-1], ingestion[-1]}) == 3
    for service in SERVICES:
        out = shell(
            _image(state, service),
            "command -v uv || true; ls /usr/local/bin; "
            "find /var/lang/lib/python3.13/site-packages -name '*.pyc' | grep -c . ; "
            "find /var/task -name '*.pyc' | grep -c .; test ! -e /root/.cache/uv",
        )
        lines = out.split()
        assert "uv" not in lines and not any(line.endswith("/uv") for line in lines), out
        assert int(lines[-2]) > 100 and int(lines[-1]) >= 1, out


def test_push_gives_single_image_manifests(state: dict[str, Any]) -> None:
    _bake(state, "--push")
    for service in SERVICES:
        media = manifest_media_type(_image(state, service))
        assert media in (
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json",
        ), media


def test_noop_rebuild_runs_nothing(state: dict[str, Any]) -> None:
    steps = _bake(state)
    assert [s for s in steps if s.is_run]  # the log was read
    assert executed_runs(steps) == []


def test_code_edit_rebuilds_only_that_services_app(state: dict[str, Any]) -> None:
    main = state["work"] / "services/orders/src/orders/main.py"
    main.write_text(main.read_text() + f"\n# edit {uuid.uuid4().hex}\n")
    assert executed_runs(_bake(state)) == ["svc-orders.app"]


def test_lib_edit_rebuilds_that_library_once(state: dict[str, Any]) -> None:
    """The library is built once; the code layers of the services that use it copy it."""
    init = state["work"] / "services/common/models/src/common_models/__init__.py"
    init.write_text(init.read_text() + f"\n# edit {uuid.uuid4().hex}\n")
    assert sorted(executed_runs(_bake(state))) == [
        "svc-notifications.app",
        "svc-orders.app",
        "uvbake.lib-common-models",
    ]


def test_dependency_bump_reinstalls_that_service_only(state: dict[str, Any]) -> None:
    work = state["work"]
    pyproject = work / "services/notifications/pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"jinja2>=3.1"', '"jinja2>=3.1,<3.1.6"'))
    subprocess.run(
        [sys.executable, "-m", "uv", "lock", "--directory", str(work)],
        check=True,
        capture_output=True,
    )
    generated = uvbake("generate", cwd=work)
    assert generated.returncode == 0, generated.stderr
    steps = _bake(state)
    # jinja2 and markupsafe are notifications' alone: only their layer is installed again
    assert _installs(steps) == ["uvbake.layer-3"]
    assert invoke(_image(state, "notifications"), ORDER)["statusCode"] == 200  # type: ignore[index]


def _blobs_contain(image: str, needles: list[bytes], tmp_path: Path) -> list[bytes]:
    """Needles found in any blob (layers decompressed, configs, manifests) of `image`."""
    archive = tmp_path / "image.tar"
    subprocess.run(["docker", "save", "-o", str(archive), image], check=True, capture_output=True)
    found = []
    with tarfile.open(archive) as outer:
        for member in outer.getmembers():
            handle = outer.extractfile(member)
            if handle is None:
                continue
            data = handle.read()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            found += [n for n in needles if n in data]
    return found


def _credentials_bake(state: dict[str, Any], env: dict[str, str], *args: str) -> str:
    """Bake after a library edit with the secrets in `env`; the image of the library's user."""
    init = state["work"] / "services/common/logging/src/common_logging/__init__.py"
    init.write_text(init.read_text() + f"\n# edit {uuid.uuid4().hex}\n")
    steps = bake(state["work"], *args, tag=state["tag"], env=env)
    # the library, then the code layers of every service (all use common-logging)
    assert sorted(executed_runs(steps)) == [
        "svc-ingestion-worker.app",
        "svc-notifications.app",
        "svc-orders.app",
        "uvbake.lib-common-logging",
    ]
    image = _image(state, "ingestion-worker")
    listing = shell(image, "ls /var/lang/lib/python3.13/site-packages/common_logging-*.dist-info")
    # UV_NO_INSTALLER_METADATA=0 in the uv-env secret shows that uv read it: the library's
    # .dist-info gets an INSTALLER file this time.
    assert "INSTALLER" in listing.split(), listing
    return image


def _canaries() -> tuple[str, str]:
    netrc = f"machine index.example.invalid login ci password netrc-{uuid.uuid4().hex}\n"
    uv_env = f"UV_INDEX_PRIVATE_PASSWORD=env-{uuid.uuid4().hex}\nUV_NO_INSTALLER_METADATA=0\n"
    return netrc, uv_env


def test_index_credentials_from_environment_reach_uv_and_no_layer(
    state: dict[str, Any], tmp_path: Path
) -> None:
    """UVBAKE_NETRC / UVBAKE_UV_ENV hold the secrets' text: no privilege on any buildx."""
    netrc, uv_env = _canaries()
    image = _credentials_bake(state, {"UVBAKE_NETRC": netrc, "UVBAKE_UV_ENV": uv_env})
    needles = [netrc.split()[-1].encode(), uv_env.split()[0].split("=")[1].encode()]
    assert _blobs_contain(image, needles, tmp_path) == []


def test_index_credentials_from_files_reach_uv_and_no_layer(
    state: dict[str, Any], tmp_path: Path
) -> None:
    """UV_NETRC_FILE / UV_ENV_FILE: buildx 0.20 and later read a file outside the workspace
    only with --allow=fs.read=<its folder>, and say so without it."""
    netrc, uv_env = _canaries()
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "netrc").write_text(netrc)
    (secrets / "uv.env").write_text(uv_env)
    env = {"UV_NETRC_FILE": str(secrets / "netrc"), "UV_ENV_FILE": str(secrets / "uv.env")}
    allow: list[str] = []
    if buildx_version() >= (0, 20):
        refused = subprocess.run(
            ["docker", "buildx", "bake", "--call", "check"],
            cwd=state["work"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert refused.returncode != 0 and "--allow=fs.read=" in refused.stderr, refused.stderr
        allow = [f"--allow=fs.read={secrets}"]
    image = _credentials_bake(state, env, *allow)
    needles = [netrc.split()[-1].encode(), uv_env.split()[0].split("=")[1].encode()]
    assert _blobs_contain(image, needles, tmp_path) == []
