"""End to end: a wheel-only workspace runs no step on the target platform, even where its
services pin what the Lambda base image ships in site-packages.

Three services: one uses requests (so it pins urllib3), one pandas (python-dateutil and six),
one pins an older boto3 than the base image's (all seven of the base's distributions). Built
from nothing with QEMU's aarch64 entry switched off, then invoked: each pinned distribution is
imported from the service's own copy in /var/task, importlib.metadata reads the pinned
version there, and no module of the base image's copy is loaded.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from progress import emulated_runs, executed_runs, target_platform_stages

from engine import (
    REGISTRY,
    bake,
    invoke,
    lock_and_generate,
    no_arm64_emulation,
    require_engine,
    workspace_root,
)
from helpers import build_tree, uvbake

pytestmark = pytest.mark.engine

SITE = "/var/lang/lib/python3.13/site-packages"
BASE_SHIPS = Path(__file__).parent.parent / "bake/images/lambda-python/site-packages.txt"
# distribution -> the module it is imported as
MODULES = {
    "boto3": "boto3",
    "botocore": "botocore",
    "s3transfer": "s3transfer",
    "jmespath": "jmespath",
    "python-dateutil": "dateutil",
    "six": "six",
    "urllib3": "urllib3",
}
# What each service imports, and which of the base's distributions it pins.
SERVICES = {
    "web": ("requests", ("urllib3",)),
    "frames": ("pandas", ("python-dateutil", "six")),
    "sdk": ("boto3", tuple(MODULES)),
}
HANDLER = """
import importlib
import importlib.metadata as metadata
import sys

BASE_MODULES = {modules!r}


def handler(event, context):
    importlib.import_module({imports!r})
    found = {{}}
    for dist in {pinned!r}:
        module = importlib.import_module(BASE_MODULES[dist])
        found[dist] = {{
            "version": metadata.version(dist),
            "metadata_in": str(metadata.distribution(dist).locate_file("")),
            "file": module.__file__,
        }}
    tops = set(BASE_MODULES.values())
    base = sorted(
        name
        for name, module in sys.modules.items()
        if name.split(".")[0] in tops
        and (getattr(module, "__file__", None) or "").startswith({site!r})
    )
    return {{"pinned": found, "base_modules_loaded": base, "path": sys.path[:1]}}
"""


def _service(name: str, dependency: str) -> str:
    return f"""
        [project]
        name = "{name}"
        version = "0.1.0"
        requires-python = ">=3.11"
        dependencies = ["{dependency}"]

        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"
    """


def _workspace(root: Path) -> Path:
    files = {"pyproject.toml": workspace_root("emulation")}
    dependencies = {"web": "requests", "frames": "pandas>=2.2,<3", "sdk": "boto3==1.40.0"}
    for name, (imports, pinned) in SERVICES.items():
        files[f"services/{name}/pyproject.toml"] = _service(name, dependencies[name])
        files[f"services/{name}/src/{name}/__init__.py"] = ""
        files[f"services/{name}/src/{name}/main.py"] = HANDLER.format(
            modules=MODULES, imports=imports, pinned=list(pinned), site=SITE
        )
    build_tree(root, files)
    return lock_and_generate(root)


def _locked(lock: str, name: str) -> str:
    found = re.search(rf'\nname = "{re.escape(name)}"\nversion = "([^"]+)"', lock)
    assert found, name
    return found[1]


def _base_version(name: str) -> str:
    for line in BASE_SHIPS.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{name}=="):
            return line.split("==", 1)[1]
    raise AssertionError(f"{name} is not in {BASE_SHIPS}")


def test_pinned_copies_of_the_base_images_packages_build_without_emulation(
    tmp_path: Path,
) -> None:
    require_engine()
    root = _workspace(tmp_path / "ws")
    lock = (root / "uv.lock").read_text(encoding="utf-8")
    assert _locked(lock, "boto3") == "1.40.0" != _base_version("boto3")
    assert _locked(lock, "urllib3") != _base_version("urllib3")
    listing = uvbake("list", cwd=root).stdout
    assert "    own copy in /var/task, ahead of the base image's: urllib3\n" in listing
    dockerfile = (root / "uvbake.Dockerfile").read_text(encoding="utf-8")
    # the stages on the target platform are the images themselves, and they run nothing
    assert target_platform_stages(dockerfile) == {f"svc-{name}" for name in SERVICES}
    tag = f"q{uuid.uuid4().hex[:10]}"
    with no_arm64_emulation():
        steps = bake(root, "--no-cache", tag=tag)
    assert executed_runs(steps)  # every RUN step ran, none came from a cache
    assert emulated_runs(steps, dockerfile) == []
    for name, (_, pinned) in SERVICES.items():
        answer = invoke(f"{REGISTRY}/{name}:{tag}", {})
        assert answer == {
            "pinned": {
                dist: {
                    "version": _locked(lock, dist),
                    "metadata_in": "/var/task",
                    "file": f"/var/task/{MODULES[dist]}"
                    + (".py" if dist == "six" else "/__init__.py"),
                }
                for dist in pinned
            },
            "base_modules_loaded": [],
            "path": ["/var/task"],
        }, name
