"""`uvbake check` maps import names to distributions it has not installed (through the wheels
uv unpacked for the lock's pins, else a table of well-known names), leaves alone what the
Lambda runtime provides, and accepts a finding marked with `# uvbake: ignore[...]`."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from helpers import Locked, build_tree, lock_text, seed_lock_packages, seed_workspace, uvbake
from uvbake.api import planned
from uvbake.report.imports import undeclared_imports

MAIN = "services/api/src/api/main.py"
API = "services/api/pyproject.toml"


def with_import(root: Path, line: str) -> Path:
    build_tree(root, {MAIN: f"{line}\n\n\ndef handler(event, context):\n    return 1\n"})
    return root


def findings(root: Path) -> list[str]:
    return [f.line() for f in undeclared_imports(planned(root), distributions={})]


def test_well_known_import_names_without_an_environment(tmp_path: Path) -> None:
    root = with_import(seed_workspace(tmp_path), "import yaml")
    assert findings(root) == [
        f"{MAIN}:1: service 'api' imports 'yaml' (distribution pyyaml) but does not declare "
        f'it; add "pyyaml" to [project] dependencies of {API}'
    ]


def test_import_names_from_the_wheels_uv_unpacked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """acme-yamlish ships the import package `yamlish_core`: only its wheel says so."""
    from uv import find_uv_bin

    wheels = tmp_path / "wheels"
    wheels.mkdir()
    path = wheels / "acme_yamlish-1.0-py3-none-any.whl"
    info = "acme_yamlish-1.0.dist-info"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("yamlish_core/__init__.py", "")
        archive.writestr(
            f"{info}/METADATA", "Metadata-Version: 2.1\nName: acme-yamlish\nVersion: 1.0\n"
        )
        archive.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        archive.writestr(f"{info}/RECORD", "")
    cache = tmp_path / "uv-cache"
    env = {k: v for k, v in os.environ.items() if not k.startswith("UV_")}
    done = subprocess.run(
        [
            find_uv_bin(),
            "pip",
            "install",
            "--offline",
            "--cache-dir",
            str(cache),
            "--python",
            sys.executable,
            "--target",
            str(tmp_path / "t"),
            "--find-links",
            str(wheels),
            "acme-yamlish",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    root = seed_workspace(tmp_path / "ws")
    build_tree(
        root,
        {
            "uv.lock": lock_text(seed_lock_packages("acme-yamlish")),
        },
    )
    with_import(root, "import yamlish_core")
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "empty-cache"))
    # without the cache nothing names its distribution: unknown, never "yamlish-core"
    assert [line.split(" (")[0] for line in findings(root)] == [
        f"{MAIN}:1: service 'api' imports 'yamlish_core', which uvbake cannot map to a distribution"
    ]
    monkeypatch.setenv("UV_CACHE_DIR", str(cache))
    assert findings(root) == []  # it is acme-yamlish, which api pins


def test_runtime_provided_packages_are_not_flagged(tmp_path: Path) -> None:
    root = with_import(seed_workspace(tmp_path), "import boto3\nimport botocore.session")
    assert findings(root) == []


def test_runtime_provided_packages_count_once_the_service_pins_one(tmp_path: Path) -> None:
    root = with_import(seed_workspace(tmp_path), "import boto3")
    build_tree(
        root,
        {
            "uv.lock": lock_text(seed_lock_packages("botocore")),
        },
    )
    assert findings(root) == [
        f"{MAIN}:1: service 'api' imports 'boto3' (distribution boto3) but does not declare "
        "it (the Lambda runtime's boto3 does not count: the service pins botocore, which "
        "replaces the runtime's copy, so the runtime's packages that go with it must be "
        f'pinned too); add "boto3" to [project] dependencies of {API}'
    ]


UNKNOWN = (
    f"{MAIN}:1: service 'api' imports 'pythonjsonlogger', which uvbake cannot map to a "
    "distribution (no installed distribution, no wheel uv cached for uv.lock's pins and no "
    "well-known import name provides it; {named}); declare the distribution that provides "
    f"it in [project] dependencies of {API}, or install the workspace (uv sync) so that its "
    "metadata names it"
)


def test_an_import_no_distribution_is_known_for_is_unknown_never_made_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "empty-cache"))
    root = with_import(seed_workspace(tmp_path / "ws"), "import pythonjsonlogger")
    assert findings(root) == [UNKNOWN.format(named="no distribution in uv.lock is named like it")]
    assert "add pythonjsonlogger" not in findings(root)[0]


def test_the_locks_distributions_named_like_an_unknown_import_are_its_candidates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uv.lock has python-json-logger, which api does not depend on: a candidate, named as
    one. Once api depends on it, the import is taken as covered."""
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "empty-cache"))
    root = with_import(seed_workspace(tmp_path / "ws"), "import pythonjsonlogger")
    build_tree(root, {"uv.lock": lock_text([*seed_lock_packages(), Locked("python-json-logger")])})
    assert findings(root) == [UNKNOWN.format(named="named like it in uv.lock: python-json-logger")]
    build_tree(root, {"uv.lock": lock_text(seed_lock_packages("python-json-logger"))})
    assert findings(root) == []


@pytest.mark.parametrize(
    ("module", "candidates"),
    [
        ("pythonjsonlogger", ("python-json-logger",)),
        ("jwt", ("pyjwt",)),
        ("dateutil", ("python-dateutil",)),
        ("yaml", ("pyyaml",)),
        ("magic", ("python-magic",)),
        ("sklearn", ()),
    ],
)
def test_named_like(module: str, candidates: tuple[str, ...]) -> None:
    from uvbake.report.importnames import named_like

    lock = ["python-json-logger", "pyjwt", "python-dateutil", "pyyaml", "python-magic", "httpx"]
    assert named_like(module, lock) == candidates


@pytest.mark.parametrize(
    ("comment", "accepted"),
    [
        ("# uvbake: ignore[undeclared-import]", True),
        ("# uvbake: ignore", True),
        ("#uvbake:ignore[other, undeclared-import]", True),
        ("# uvbake: ignore[stale]", False),
        ("# noqa", False),
    ],
)
def test_an_inline_comment_accepts_a_finding(tmp_path: Path, comment: str, accepted: bool) -> None:
    root = with_import(seed_workspace(tmp_path), f"import yaml  {comment}")
    assert (findings(root) == []) is accepted


def test_check_command_honours_the_comment(tmp_path: Path) -> None:
    root = with_import(seed_workspace(tmp_path), "import yaml  # uvbake: ignore[undeclared-import]")
    assert uvbake("generate", cwd=root).returncode == 0
    result = uvbake("check", cwd=root, env={"PATH": ""})
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "",
        "uvbake: checked the imports of 2 services, the generated files: no findings\n",
    )
