"""The generated bake file as buildx itself reads it, with a non-default remote builder."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import require_engine

pytestmark = pytest.mark.engine

EXAMPLE = Path(__file__).parent.parent / "examples" / "lambda-monorepo"
SERVICES = ["ingestion-worker", "notifications", "orders"]


@pytest.fixture(scope="module")
def remote_builder() -> Iterator[str]:
    require_engine()
    name = f"uvbake-remote-{uuid.uuid4().hex[:8]}"
    # A remote-driver builder (as for a shared BuildKit fleet); --print never dials it.
    subprocess.run(
        ["docker", "buildx", "create", "--name", name, "--driver", "remote", "tcp://127.0.0.1:1"],
        check=True,
        capture_output=True,
    )
    yield name
    subprocess.run(["docker", "buildx", "rm", name], capture_output=True)


def _print(builder: str, *targets: str, **env: str) -> dict[str, dict[str, dict[str, object]]]:
    result = subprocess.run(
        ["docker", "buildx", "bake", "--builder", builder, "--print", *targets],
        cwd=EXAMPLE,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _entries(value: object) -> list[dict[str, str]]:
    """cache-from/cache-to/secret entries as key-value maps: buildx 0.13 prints each as a
    "k=v,k=v" string, buildx 0.29 as an object."""
    assert isinstance(value, list), value
    out = []
    for item in value:
        if isinstance(item, str):
            out.append(dict(pair.split("=", 1) for pair in item.split(",")))
        else:
            out.append(
                {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in item.items()}
            )
    return out


def test_remote_builder_reads_every_target(remote_builder: str) -> None:
    printed = _print(remote_builder, REGISTRY="123456789012.dkr.ecr.eu-west-1.amazonaws.com")
    assert printed["group"]["default"]["targets"] == SERVICES
    for service in SERVICES:
        target = printed["target"][service]
        assert target["tags"] == [f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/{service}:latest"]
        assert target["platforms"] == ["linux/arm64"]
        assert target["target"] == f"svc-{service}"
        assert "output" not in target  # nothing assumes the local docker driver's image store


def test_cache_presets_as_buildx_evaluates_them(remote_builder: str) -> None:
    gha = _print(remote_builder, "orders", CACHE="gha")["target"]["orders"]
    assert _entries(gha["cache-from"]) == [{"type": "gha", "scope": "orders"}]
    assert _entries(gha["cache-to"]) == [{"type": "gha", "scope": "orders", "mode": "max"}]
    registry = _print(remote_builder, "orders", CACHE="registry", REGISTRY="r.example")
    assert _entries(registry["target"]["orders"]["cache-from"]) == [
        {"type": "registry", "ref": "r.example/orders:buildcache"}
    ]
    assert _entries(registry["target"]["orders"]["cache-to"]) == [
        {
            "type": "registry",
            "ref": "r.example/orders:buildcache",
            "mode": "max",
            "image-manifest": "true",
            "oci-mediatypes": "true",
        }
    ]
    none = _print(remote_builder, "orders")["target"]["orders"]
    assert not none.get("cache-from") and not none.get("cache-to")


def test_index_secrets_come_from_the_environment_unless_files_are_named(
    remote_builder: str, tmp_path: Path
) -> None:
    """No privilege by default (environment variables); files only when named."""
    default = _print(remote_builder, "orders")["target"]["orders"]
    assert _entries(default["secret"]) == [
        {"id": "uv-netrc", "env": "UVBAKE_NETRC"},
        {"id": "uv-env", "env": "UVBAKE_UV_ENV"},
    ]
    netrc, uv_env = tmp_path / "netrc", tmp_path / "uv.env"
    netrc.write_text("machine x login y password z\n")
    uv_env.write_text("UV_INDEX_X_PASSWORD=z\n")
    named = _print(remote_builder, "orders", UV_NETRC_FILE=str(netrc), UV_ENV_FILE=str(uv_env))
    assert _entries(named["target"]["orders"]["secret"]) == [
        {"id": "uv-netrc", "src": str(netrc)},
        {"id": "uv-env", "src": str(uv_env)},
    ]


def test_an_unknown_cache_preset_stops_the_bake(remote_builder: str) -> None:
    result = subprocess.run(
        ["docker", "buildx", "bake", "--builder", remote_builder, "--print", "orders"],
        cwd=EXAMPLE,
        env={**os.environ, "CACHE": "bogus"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    # go-cty's regex(): "pattern did not match any part of the given string"
    assert "did not match" in result.stderr or "regex" in result.stderr, result.stderr
