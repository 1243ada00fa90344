"""`uvbake images`: bake's metadata file turned into each target's pushed image, in every
format, with exact outputs. The metadata has the shapes buildx 0.13 and 0.29 write."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from helpers import HANDLER, build_tree, seed_workspace, uvbake
from uvbake.errors import UvbakeError
from uvbake.report import deploy

REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
WORKER = "services/worker/pyproject.toml"
FUNCTIONS = (
    '\n[tool.uvbake]\nfunctions = { ingest = "worker.main.handler", '
    'sweep = "worker.sweep.handler" }\n'
)
DIGESTS = {
    "api": "sha256:" + "a1" * 32,
    "worker-ingest": "sha256:" + "b2" * 32,
    "worker-sweep": "sha256:" + "c3" * 32,
}
MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"


def entry(target: str, *tags: str, buildx: str = "0.13") -> dict[str, Any]:
    """A target's entry as buildx writes it after `bake --push --metadata-file`: 0.29 adds the
    provenance it resolved."""
    digest = DIGESTS[target]
    data: dict[str, Any] = {
        "buildx.build.ref": f"default/default/{target}",
        "containerimage.config.digest": "sha256:" + "0f" * 32,
        "containerimage.descriptor": {
            "mediaType": MANIFEST,
            "digest": digest,
            "size": 1870,
            "platform": {"architecture": "arm64", "os": "linux"},
        },
        "containerimage.digest": digest,
        "image.name": ",".join(tags or [f"{REGISTRY}/{target}:3f2a9c1"]),
    }
    if buildx == "0.29":
        data["buildx.build.provenance"] = {"buildType": "https://mobyproject.org/buildkit@v1"}
    return data


def metadata(buildx: str = "0.13") -> dict[str, Any]:
    return {
        "api": entry("api", f"{REGISTRY}/api:3f2a9c1", f"{REGISTRY}/api:v1.2.0", buildx=buildx),
        "worker-ingest": entry("worker-ingest", buildx=buildx),
        "worker-sweep": entry("worker-sweep", buildx=buildx),
    }


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = seed_workspace(tmp_path / "ws")
    build_tree(root, {"services/worker/src/worker/sweep.py": HANDLER})
    with (root / WORKER).open("a", encoding="utf-8") as handle:
        handle.write(FUNCTIONS)
    return root


def write_metadata(root: Path, data: object) -> str:
    (root / "meta.json").write_text(json.dumps(data, indent=2))
    return "meta.json"


@pytest.mark.parametrize("buildx", ["0.13", "0.29"])
def test_json_maps_each_target_to_its_image_by_digest(ws: Path, buildx: str) -> None:
    data = {**metadata(buildx), "buildx.build.warnings": []}
    ran = uvbake("images", write_metadata(ws, data), cwd=ws)
    assert (ran.returncode, ran.stderr) == (0, "")
    assert json.loads(ran.stdout) == {
        "api": {
            "service": "api",
            "function": None,
            "image": f"{REGISTRY}/api@{DIGESTS['api']}",
            "repository": "api",
            "digest": DIGESTS["api"],
            "tags": [f"{REGISTRY}/api:3f2a9c1", f"{REGISTRY}/api:v1.2.0"],
        },
        "worker-ingest": {
            "service": "worker",
            "function": "ingest",
            "image": f"{REGISTRY}/worker-ingest@{DIGESTS['worker-ingest']}",
            "repository": "worker-ingest",
            "digest": DIGESTS["worker-ingest"],
            "tags": [f"{REGISTRY}/worker-ingest:3f2a9c1"],
        },
        "worker-sweep": {
            "service": "worker",
            "function": "sweep",
            "image": f"{REGISTRY}/worker-sweep@{DIGESTS['worker-sweep']}",
            "repository": "worker-sweep",
            "digest": DIGESTS["worker-sweep"],
            "tags": [f"{REGISTRY}/worker-sweep:3f2a9c1"],
        },
    }
    assert ran.stdout.startswith('{\n  "api": {\n    "service": "api",\n    "function": null,\n')


def test_text_is_one_line_per_target(ws: Path) -> None:
    ran = uvbake("images", write_metadata(ws, metadata()), "--format", "text", cwd=ws)
    assert ran.stdout == (
        f"api            {REGISTRY}/api@sha256:{'a1' * 32}\n"
        f"worker-ingest  {REGISTRY}/worker-ingest@sha256:{'b2' * 32}\n"
        f"worker-sweep   {REGISTRY}/worker-sweep@sha256:{'c3' * 32}\n"
    )


def test_github_output_is_one_line(ws: Path) -> None:
    ran = uvbake("images", write_metadata(ws, metadata()), "--format", "github", cwd=ws)
    assert ran.stdout.startswith('images={"api":{"service":"api","function":null,"image":"')
    assert ran.stdout.count("\n") == 1
    key, value = ran.stdout.rstrip("\n").split("=", 1)
    assert key == "images"
    assert json.loads(value)["worker-sweep"]["function"] == "sweep"


def test_github_summary_is_a_markdown_table(ws: Path) -> None:
    ran = uvbake("images", write_metadata(ws, metadata()), "--format", "github-summary", cwd=ws)
    a, b, c = ("a1" * 32, "b2" * 32, "c3" * 32)
    assert ran.stdout == (
        "### Lambda images\n"
        "\n"
        "| target | service | function | image | tags |\n"
        "| --- | --- | --- | --- | --- |\n"
        f"| api | api | - | `{REGISTRY}/api@sha256:{a}` | "
        f"`{REGISTRY}/api:3f2a9c1`<br>`{REGISTRY}/api:v1.2.0` |\n"
        f"| worker-ingest | worker | ingest | `{REGISTRY}/worker-ingest@sha256:{b}` | "
        f"`{REGISTRY}/worker-ingest:3f2a9c1` |\n"
        f"| worker-sweep | worker | sweep | `{REGISTRY}/worker-sweep@sha256:{c}` | "
        f"`{REGISTRY}/worker-sweep:3f2a9c1` |\n"
    )


def test_metadata_from_standard_input(ws: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "uvbake", "images", "-", "--format", "text"],
        cwd=ws,
        input=json.dumps(metadata()),
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines()[0] == f"api            {REGISTRY}/api@{DIGESTS['api']}"


def test_a_missing_target_stops_unless_partial(ws: Path) -> None:
    data = metadata()
    del data["worker-sweep"]
    name = write_metadata(ws, data)
    ran = uvbake("images", name, cwd=ws)
    assert (ran.returncode, ran.stdout) == (1, "")
    assert ran.stderr == (
        "uvbake: error: meta.json: has no image of the targets worker-sweep; bake them too "
        "(`docker buildx bake --push --metadata-file FILE` builds every target), or pass "
        "--partial to list only the targets it has\n"
    )
    partial = uvbake("images", name, "--partial", "--format", "text", cwd=ws)
    assert partial.returncode == 0, partial.stderr
    assert [line.split()[0] for line in partial.stdout.splitlines()] == ["api", "worker-ingest"]


def test_targets_uvbake_did_not_write_are_left_out_with_a_warning(ws: Path) -> None:
    data = {
        **metadata(),
        "uvbake-base-api": {"containerimage.digest": DIGESTS["api"]},
        "migrations": entry("api", "localhost:5000/migrations:1"),
    }
    ran = uvbake("images", write_metadata(ws, data), "--format", "text", cwd=ws)
    assert ran.returncode == 0
    assert ran.stderr == (
        "uvbake: warning: meta.json: left out targets uvbake did not write: migrations\n"
    )
    assert len(ran.stdout.splitlines()) == 3
    quiet = uvbake("-q", "images", "meta.json", "--format", "text", cwd=ws)
    assert quiet.stderr == ""


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            {"containerimage.digest": None},
            "target 'api' has no image digest (containerimage.digest); write it with "
            "`docker buildx bake --push --metadata-file FILE`",
        ),
        (
            {"image.name": ""},
            "target 'api' has no image name (image.name): it was built without a tag; set "
            "REGISTRY (and TAG) for the bake, and push it with --push",
        ),
        (
            {"containerimage.descriptor": {"mediaType": "application/vnd.oci.image.index.v1+json"}},
            "target 'api' is an image index (application/vnd.oci.image.index.v1+json), which "
            "Lambda does not take; build one platform with attestations off, as the generated "
            "bake file does (no --provenance or --sbom)",
        ),
    ],
    ids=["no-digest", "no-tag", "index"],
)
def test_an_entry_that_is_no_pushed_image_is_named(
    ws: Path, change: dict[str, object], problem: str
) -> None:
    data = metadata()
    data["api"] = {**data["api"], **change}
    ran = uvbake("images", write_metadata(ws, data), cwd=ws)
    assert (ran.returncode, ran.stdout) == (1, "")
    assert ran.stderr == f"uvbake: error: meta.json: {problem}\n"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[]", "is not a bake metadata file (a JSON object with one entry per target)"),
        ("{", "is not JSON (Expecting property name enclosed in double quotes at line 1)"),
    ],
)
def test_a_file_that_is_no_metadata_is_named(ws: Path, text: str, problem: str) -> None:
    (ws / "meta.json").write_text(text)
    ran = uvbake("images", "meta.json", cwd=ws)
    assert ran.returncode == 1
    assert ran.stderr == (
        f"uvbake: error: meta.json: {problem}; write it with "
        "`docker buildx bake --push --metadata-file FILE`\n"
    )


def test_an_absent_file_is_named(ws: Path) -> None:
    ran = uvbake("images", "nowhere.json", cwd=ws)
    assert ran.stderr == (
        "uvbake: error: nowhere.json: does not exist; write it with "
        "`docker buildx bake --push --metadata-file FILE` first\n"
    )


@pytest.mark.parametrize(
    ("tag", "repository"),
    [
        ("localhost:5000/acme/orders:v1", "localhost:5000/acme/orders"),
        ("localhost:5000/orders", "localhost:5000/orders"),
        ("orders:latest", "orders"),
        ("ghcr.io/acme/orders:v1@sha256:" + "0" * 64, "ghcr.io/acme/orders"),
    ],
)
def test_repository_of_a_tag(tag: str, repository: str) -> None:
    assert deploy.repository_of(tag) == repository


@pytest.mark.parametrize(
    ("repository", "name"),
    [
        (f"{REGISTRY}/orders", "orders"),
        ("localhost:5000/uvbake-e2e/orders", "uvbake-e2e/orders"),
        ("localhost/orders", "orders"),
        ("acme/orders", "acme/orders"),
        ("orders", "orders"),
    ],
)
def test_repository_name_leaves_out_the_registry(repository: str, name: str) -> None:
    assert deploy.repository_name(repository) == name


def test_an_unknown_format_is_an_error() -> None:
    found = deploy.Images(images=(), ignored=())
    with pytest.raises(UvbakeError, match="'yaml' is not an images format"):
        deploy.render(found, fmt="yaml")
