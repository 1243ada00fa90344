"""`uvbake doctor`'s judgement of the facts it gathers, line by line, and the gathering that
needs no engine (binfmt entries, the registry probe)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from helpers import build_tree, root_pyproject, seed_workspace
from uvbake.api import planned
from uvbake.commands.doctor import binfmt_entry, probe
from uvbake.report.doctor import Binfmt, Facts, Needs, diagnose, needs

QEMU_ON = Binfmt("qemu-aarch64", present=True, enabled=True, flags="POF")
QEMU_OFF = Binfmt("qemu-aarch64", present=True, enabled=False, flags="POF")
ENGINE = Facts(
    docker="26.1.5",
    architecture="x86_64",
    containerd_store=True,
    buildx=(0, 13, 1),
    builder="default",
    driver="docker",
    binfmt=(QEMU_ON,),
)
NO_STEPS = Needs()
STEPS = ("orders installs lxml (no wheel for aarch64-manylinux_2_34)",)


def rendered(facts: Facts, need: Needs = NO_STEPS) -> list[str]:
    return [line.render() for line in diagnose(facts, need=need)]


def blocking(facts: Facts, need: Needs = NO_STEPS) -> list[bool]:
    return [line.blocks for line in diagnose(facts, need=need)]


def test_a_machine_that_builds() -> None:
    assert rendered(ENGINE) == [
        "ok: docker 26.1.5 answers",
        "ok: buildx 0.13.1; no --allow entitlements before 0.20: secret files are read without one",
        "ok: builder default (driver docker) loads images into docker (--load)",
        "ok: builder default (driver docker) exports a build cache (CACHE=gha or registry)",
        "ok: linux/arm64 steps run under QEMU (binfmt qemu-aarch64 enabled, flags POF)",
        "ok: REGISTRY is not set: images are tagged local/<service> (no push)",
    ]


def test_no_engine_is_the_only_line() -> None:
    facts = Facts(docker=None, problem="Cannot connect to the Docker daemon; start the engine")
    assert rendered(facts) == ["fix: docker: Cannot connect to the Docker daemon; start the engine"]
    assert blocking(facts) == [True]


def test_buildx_0_20_asks_for_allow() -> None:
    lines = rendered(replace(ENGINE, buildx=(0, 29, 1)))
    assert lines[1] == (
        "ok: buildx 0.29.1; secret files outside the workspace (UV_NETRC_FILE, UV_ENV_FILE) "
        "need --allow=fs.read=<folder>"
    )


def test_the_docker_driver_without_containerd_exports_no_cache_which_blocks_nothing() -> None:
    facts = replace(ENGINE, containerd_store=False)
    assert rendered(facts)[3] == (
        "fix: builder default (driver docker) exports no build cache without the containerd "
        "image store, so CACHE=gha or registry fails; use one that does: docker buildx "
        "create --use --driver docker-container"
    )
    assert not any(blocking(facts))


@pytest.mark.parametrize(
    ("entry", "line", "blocks"),
    [
        (
            QEMU_OFF,
            "fix: linux/arm64 steps need QEMU (orders installs lxml (no wheel for "
            "aarch64-manylinux_2_34)), and binfmt qemu-aarch64 is disabled; enable it: "
            "echo 1 > /proc/sys/fs/binfmt_misc/qemu-aarch64 (as root)",
            True,
        ),
        (
            Binfmt("qemu-aarch64", present=False),
            "fix: linux/arm64 steps need QEMU (orders installs lxml (no wheel for "
            "aarch64-manylinux_2_34)), and binfmt has no qemu-aarch64 entry; register it: "
            "docker run --privileged --rm tonistiigi/binfmt --install arm64",
            True,
        ),
        (
            Binfmt("qemu-aarch64", present=True, enabled=True, flags="PO"),
            "fix: linux/arm64 steps need QEMU (orders installs lxml (no wheel for "
            "aarch64-manylinux_2_34)), and binfmt qemu-aarch64 lacks the F flag (containers "
            "do not see its interpreter); register it: docker run --privileged --rm "
            "tonistiigi/binfmt --install arm64",
            True,
        ),
    ],
    ids=["disabled", "missing", "no-F-flag"],
)
def test_emulation_a_workspace_needs(entry: Binfmt, line: str, blocks: bool) -> None:
    facts = replace(ENGINE, binfmt=(entry,))
    need = Needs(target_steps=STEPS)
    assert rendered(facts, need)[4] == line
    assert blocking(facts, need)[4] is blocks


def test_no_emulation_needed_without_steps_on_the_target() -> None:
    facts = replace(ENGINE, binfmt=(QEMU_OFF,))
    assert rendered(facts)[4] == (
        "ok: linux/arm64: no step of this workspace runs on it (binfmt qemu-aarch64 is "
        "disabled; a service that installs a package with no wheel for it would need QEMU)"
    )
    assert not any(blocking(facts))


def test_an_arm64_engine_needs_no_emulation() -> None:
    facts = replace(ENGINE, architecture="aarch64", binfmt=())
    need = Needs(target_steps=STEPS)
    assert rendered(facts, need)[4] == "ok: linux/arm64: the engine runs on it (aarch64)"


@pytest.mark.parametrize(
    ("registry", "answer", "line", "blocks"),
    [
        ("r.example/acme", None, "ok: registry of REGISTRY=r.example/acme answers", False),
        (
            "r.example/acme",
            "https://r.example/v2/: timed out",
            "fix: registry of REGISTRY=r.example/acme does not answer (https://r.example/v2/: "
            "timed out); check the name and the network (a push would fail)",
            True,
        ),
        (
            "",
            None,
            "fix: REGISTRY is set but empty, which stops the bake; set it to the registry to "
            "push to, or unset it",
            True,
        ),
    ],
    ids=["answers", "silent", "empty"],
)
def test_registry(registry: str, answer: str | None, line: str, blocks: bool) -> None:
    facts = replace(ENGINE, registry=registry, registry_answer=answer)
    assert rendered(facts)[-1] == line
    assert blocking(facts)[-1] is blocks


def test_binfmt_entries_as_the_kernel_lists_them(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {
            "qemu-aarch64": "enabled\ninterpreter /usr/bin/qemu-aarch64\nflags: POCF\noffset 0\n",
            "qemu-x86_64": "disabled\ninterpreter /usr/bin/qemu-x86_64\nflags: P\n",
        },
    )
    assert binfmt_entry("qemu-aarch64", local=True, folder=tmp_path) == Binfmt(
        "qemu-aarch64", present=True, enabled=True, flags="POCF"
    )
    assert binfmt_entry("qemu-x86_64", local=True, folder=tmp_path) == Binfmt(
        "qemu-x86_64", present=True, enabled=False, flags="P"
    )
    assert binfmt_entry("qemu-riscv64", local=True, folder=tmp_path).present is False
    assert binfmt_entry("qemu-aarch64", local=False, folder=tmp_path).present is None


class Registry(http.server.BaseHTTPRequestHandler):
    """A registry's /v2/ without a login: 401, as ECR and most registries answer."""

    def do_GET(self) -> None:
        self.send_response(401 if self.path == "/v2/" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def registry() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Registry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()


def test_a_registry_that_asks_for_a_login_answers(registry: int) -> None:
    assert probe(f"127.0.0.1:{registry}/acme") is None
    assert probe(f"localhost:{registry}/acme") is None


def test_a_closed_port_is_named(registry: int) -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), Registry)
    port = server.server_address[1]
    server.server_close()
    assert probe(f"127.0.0.1:{port}") == (
        f"http://127.0.0.1:{port}/v2/: [Errno 111] Connection refused"
    )


def test_what_a_workspace_runs_on_its_target_platform(tmp_path: Path) -> None:
    root = seed_workspace(tmp_path)
    assert needs(planned(root)) == Needs(platforms=("linux/arm64",), target_steps=())
    build_tree(root, {"pyproject.toml": root_pyproject(uvbake="native-builds = false")})
    assert needs(planned(root)).target_steps == (
        "native-builds = false runs every step on the target platform",
    )
