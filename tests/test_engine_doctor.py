"""`uvbake doctor` on this machine's engines, and with QEMU's binfmt entry disabled for a
moment (restored at once)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import require_engine
from helpers import build_tree, uvbake

pytestmark = pytest.mark.engine

EXAMPLE = Path(__file__).parent.parent / "examples" / "lambda-monorepo"
QEMU = Path("/proc/sys/fs/binfmt_misc/qemu-aarch64")


def _out(*argv: str) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def work(tmp_path: Path) -> Path:
    require_engine()
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
    return root


def test_doctor_on_this_engine(work: Path) -> None:
    server = _out("docker", "version", "--format", "{{.Server.Version}}").strip()
    found = re.search(r" v?(\d+\.\d+\.\d+)", _out("docker", "buildx", "version"))
    assert found
    buildx = found[1]
    allow = (
        "secret files outside the workspace (UV_NETRC_FILE, UV_ENV_FILE) need "
        "--allow=fs.read=<folder>"
        if tuple(int(n) for n in buildx.split(".")[:2]) >= (0, 20)
        else "no --allow entitlements before 0.20: secret files are read without one"
    )
    ran = uvbake("doctor", cwd=work, env={"REGISTRY": "localhost:5000/acme"})
    assert (ran.returncode, ran.stderr) == (0, "")
    assert ran.stdout.splitlines() == [
        f"ok: docker {server} answers",
        f"ok: buildx {buildx}; {allow}",
        "ok: builder default (driver docker) loads images into docker (--load)",
        "ok: builder default (driver docker) exports a build cache (CACHE=gha or registry)",
        "ok: linux/arm64 steps run under QEMU (binfmt qemu-aarch64 enabled, flags POF)",
        "ok: registry of REGISTRY=localhost:5000/acme answers",
    ]


@pytest.fixture
def qemu_disabled() -> Iterator[None]:
    """binfmt's qemu-aarch64 entry disabled for the test only (the machine's other builds
    need it): restored in finally, whatever the test does."""
    if not QEMU.is_file() or not os.access(QEMU, os.W_OK):
        pytest.skip("no writable binfmt qemu-aarch64 entry")
    assert QEMU.read_text().startswith("enabled\n")
    QEMU.write_text("0")
    try:
        yield
    finally:
        QEMU.write_text("1")
    assert QEMU.read_text().startswith("enabled\n")


def test_doctor_without_emulation(work: Path, qemu_disabled: None) -> None:
    example = uvbake("doctor", cwd=work)
    build_tree(
        work,
        {
            "pyproject.toml": (work / "pyproject.toml")
            .read_text()
            .replace("[tool.uvbake]\n", "[tool.uvbake]\nnative-builds = false\n")
        },
    )
    emulated = uvbake("doctor", cwd=work)
    assert example.returncode == 0, example.stdout
    assert example.stdout.splitlines()[4] == (
        "ok: linux/arm64: no step of this workspace runs on it (binfmt qemu-aarch64 is "
        "disabled; a service that installs a package with no wheel for it would need QEMU)"
    )
    assert (emulated.returncode, emulated.stderr) == (
        1,
        "uvbake: doctor: 1 of these block a build\n",
    )
    assert emulated.stdout.splitlines()[4] == (
        "fix: linux/arm64 steps need QEMU (native-builds = false runs every step on the "
        "target platform), and binfmt qemu-aarch64 is disabled; enable it: "
        "echo 1 > /proc/sys/fs/binfmt_misc/qemu-aarch64 (as root)"
    )
