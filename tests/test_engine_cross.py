"""End to end: third-party packages cross-installed by the build machine, nothing emulated.

On an amd64 machine building linux/arm64 images, every RUN step of a wheel-only workspace
runs natively: the images build with QEMU switched off. A package with no arm64 wheel is
built on the target platform, alone. Layers are stored once and are reproducible.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import shutil
import tarfile
import urllib.request
import uuid
from pathlib import Path

import pytest
from progress import emulated_runs, executed_runs

from engine import (
    BASE_IMAGE,
    REGISTRY,
    bake,
    invoke,
    lock_and_generate,
    no_arm64_emulation,
    require_engine,
    shell,
    workspace_root,
)
from helpers import build_tree, uvbake

pytestmark = pytest.mark.engine

EXAMPLE = Path(__file__).parent.parent / "examples" / "lambda-monorepo"
SERVICES = ("ingestion-worker", "notifications", "orders")
ORDER = {
    "order_id": "o-1",
    "customer": "Ada",
    "lines": [{"sku": "A", "quantity": 1, "unit_price": "2"}],
}
REGISTRY_URL = "http://localhost:5000"


def _copy_example(dest: Path) -> Path:
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
    generated = uvbake("generate", "--check", cwd=dest)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    return dest


def _manifest(ref: str) -> dict[str, object]:
    name, tag = ref.removeprefix("localhost:5000/").rsplit(":", 1)
    request = urllib.request.Request(
        f"{REGISTRY_URL}/v2/{name}/manifests/{tag}",
        headers={
            "Accept": "application/vnd.oci.image.manifest.v1+json, "
            "application/vnd.docker.distribution.manifest.v2+json"
        },
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())  # type: ignore[no-any-return]


def _layer_digests(ref: str) -> list[str]:
    return [str(layer["digest"]) for layer in _manifest(ref)["layers"]]  # type: ignore[index]


def _blob_names(repository: str, digest: str) -> list[str]:
    with urllib.request.urlopen(f"{REGISTRY_URL}/v2/{repository}/blobs/{digest}", timeout=120) as r:
        data = r.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        return archive.getnames()


def test_arm64_images_build_with_qemu_switched_off(tmp_path: Path) -> None:
    require_engine()
    work = _copy_example(tmp_path / "ws")
    tag = f"x{uuid.uuid4().hex[:10]}"
    with no_arm64_emulation():
        steps = bake(work, "--no-cache", tag=tag)
    dockerfile = (work / "uvbake.Dockerfile").read_text()
    assert executed_runs(steps)  # every RUN step ran, none came from a cache
    assert emulated_runs(steps, dockerfile) == []
    total = invoke(f"{REGISTRY}/orders:{tag}", ORDER)
    assert total["statusCode"] == 200  # type: ignore[index]
    found = shell(
        f"{REGISTRY}/orders:{tag}",
        "cd /var/lang/lib/python3.13/site-packages && ls pydantic_core/*.so "
        "&& ls pydantic/__pycache__ | head -1",
    )
    assert "cpython-313-aarch64-linux-gnu.so" in found and ".cpython-313.pyc" in found, found


def test_each_distribution_is_stored_in_one_layer_and_builds_are_reproducible(
    tmp_path: Path,
) -> None:
    """Two copies of the example (their files dated differently, as two clones are), each
    built from nothing and pushed: every layer digest is the same, and across all images each
    third-party .dist-info lies in exactly one distinct layer."""
    require_engine()
    first = _copy_example(tmp_path / "one")
    second = _copy_example(tmp_path / "two")
    for path in second.rglob("*"):
        os.utime(path, (1_000_000_000, 1_000_000_000), follow_symlinks=False)
    tags = [f"r{uuid.uuid4().hex[:10]}" for _ in range(2)]
    for work, tag in zip((first, second), tags, strict=True):
        bake(work, "--no-cache", "--push", tag=tag)
    repository = REGISTRY.removeprefix("localhost:5000/")
    digests = {s: [_layer_digests(f"{REGISTRY}/{s}:{t}") for t in tags] for s in SERVICES}
    for service, (one, two) in digests.items():
        assert one == two, service
    holders: dict[str, set[str]] = {}
    for service in SERVICES:
        for digest in digests[service][0]:
            for name in _blob_names(f"{repository}/{service}", digest):
                info = re.search(r"site-packages/([^/]+\.dist-info)/?$", name)
                if info:
                    holders.setdefault(info.group(1), set()).add(digest)
    third_party = {d for d in holders if not d.startswith(("common_", "acme"))}
    assert {"pydantic-2.14.3.dist-info", "jinja2-3.1.6.dist-info", "httpx-0.28.1.dist-info"} <= (
        third_party
    )
    assert {d: len(holders[d]) for d in third_party} == {d: 1 for d in third_party}


def _emulated_workspace(root: Path) -> Path:
    """One service: docopt 0.6.2 is published as an sdist only (built from source, as
    [tool.uvbake] source-builds allows); idna is wanted on aarch64 alone and certifi on x86_64
    alone."""
    build_tree(
        root,
        {
            "pyproject.toml": workspace_root("cross") + 'source-builds = ["docopt"]\n',
            "services/cli/pyproject.toml": """
                [project]
                name = "cli"
                version = "0.1.0"
                requires-python = ">=3.11"
                dependencies = [
                    "docopt==0.6.2",
                    "idna==3.10; platform_machine == 'aarch64'",
                    "certifi==2025.8.3; platform_machine == 'x86_64'",
                ]

                [build-system]
                requires = ["hatchling"]
                build-backend = "hatchling.build"
            """,
            "services/cli/src/cli/__init__.py": "",
            "services/cli/src/cli/main.py": """
                import docopt


                def handler(event, context):
                    import importlib.metadata as metadata

                    names = sorted(d.metadata["Name"].lower() for d in metadata.distributions())
                    return {"docopt": docopt.__version__, "installed": names}
            """,
        },
    )
    return lock_and_generate(root)


def test_a_package_without_an_arm64_wheel_alone_is_built_under_emulation(
    tmp_path: Path,
) -> None:
    require_engine()
    root = _emulated_workspace(tmp_path / "ws")
    listed = uvbake("list", "--format", "json", cwd=root)
    (service,) = json.loads(listed.stdout)["services"]
    assert service["emulated"] == [{"name": "docopt", "why": "sdist only", "source": True}]
    listing = uvbake("list", cwd=root).stdout
    assert "    built from source on linux/arm64: docopt (sdist only)\n" in listing
    tag = f"e{uuid.uuid4().hex[:10]}"
    steps = bake(root, "--no-cache", tag=tag)
    dockerfile = (root / "uvbake.Dockerfile").read_text()
    emulated = emulated_runs(steps, dockerfile)
    assert len(emulated) == 1, emulated
    assert "docopt==0.6.2" in dockerfile.split(f"AS {emulated[0]}\n", 1)[1].split("\nFROM", 1)[0]
    answer = invoke(f"{REGISTRY}/cli:{tag}", {})
    # the target's marker choice: idna (aarch64), not certifi (x86_64); besides them, only
    # what the base image ships (the service's own code is in /var/task, with no .dist-info)
    installed = answer["installed"]  # type: ignore[index]
    assert {"docopt", "idna"} <= set(installed) and "certifi" not in installed
    script = (
        "import importlib.metadata as m; "
        "print(' '.join(d.metadata['Name'].lower() for d in m.distributions()))"
    )
    base = shell(BASE_IMAGE, f'PYTHONPATH=/var/runtime python3 -c "{script}"').split()
    assert sorted(set(installed) - set(base)) == ["docopt", "idna"]


def test_an_amd64_service_beside_arm64_ones_gets_its_own_wheels(tmp_path: Path) -> None:
    """Per-service platforms: each target has its own layers of its own wheels, and with
    QEMU off both images still build (the amd64 one natively, the arm64 one cross-installed)."""
    require_engine()
    service = """
        [project]
        name = "{name}"
        version = "0.1.0"
        requires-python = ">=3.11"
        dependencies = ["orjson==3.11.5"]
        {extra}
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"
    """
    handler = """
        import platform

        import orjson


        def handler(event, context):
            return {"machine": platform.machine(), "orjson": orjson.__version__}
    """
    build_tree(
        tmp_path / "ws",
        {
            "pyproject.toml": workspace_root("platforms"),
            "services/arm/pyproject.toml": service.format(name="arm", extra=""),
            "services/arm/src/arm/main.py": handler,
            "services/x86/pyproject.toml": service.format(
                name="x86", extra='[tool.uvbake]\n        platform = "linux/amd64"\n'
            ),
            "services/x86/src/x86/main.py": handler,
        },
    )
    root = lock_and_generate(tmp_path / "ws")
    dockerfile = (root / "uvbake.Dockerfile").read_text()
    assert "--python-platform aarch64-manylinux_2_34" in dockerfile
    assert "--python-platform x86_64-manylinux_2_34" in dockerfile
    tag = f"p{uuid.uuid4().hex[:10]}"
    with no_arm64_emulation():
        steps = bake(root, tag=tag)
    assert emulated_runs(steps, dockerfile) == []
    arm = invoke(f"{REGISTRY}/arm:{tag}", {})
    assert arm == {"machine": "aarch64", "orjson": "3.11.5"}
    x86 = invoke(f"{REGISTRY}/x86:{tag}", {}, platform="linux/amd64")
    assert x86 == {"machine": "x86_64", "orjson": "3.11.5"}
