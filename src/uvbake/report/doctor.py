"""`uvbake doctor`: whether this machine can build the workspace's images. Pure: the facts
`commands/doctor.py` gathers in, one `ok: ...` or `fix: ...` line per check out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from uvbake.plan.records import Plan

# The binfmt_misc entry that runs each Lambda platform's binaries on another machine.
BINFMT = {"linux/arm64": "qemu-aarch64", "linux/amd64": "qemu-x86_64"}
# docker info's Architecture of a machine that runs each platform natively.
NATIVE = {"x86_64": "linux/amd64", "amd64": "linux/amd64", "aarch64": "linux/arm64"}
INSTALL_BINFMT = "docker run --privileged --rm tonistiigi/binfmt --install {arch}"
NEW_BUILDER = "docker buildx create --use --driver docker-container"
ALLOW_FROM = (0, 20)


@dataclass(frozen=True)
class Binfmt:
    """One /proc/sys/fs/binfmt_misc entry: None where it cannot be read (a remote engine)."""

    name: str
    present: bool | None
    enabled: bool = False
    flags: str = ""


@dataclass(frozen=True)
class Facts:
    """What the machine's docker says. `docker` is the server's version, or None with
    `problem` saying why there is none."""

    docker: str | None
    problem: str = ""
    architecture: str = ""
    containerd_store: bool = False
    buildx: tuple[int, ...] | None = None
    builder: str = ""
    driver: str = ""
    binfmt: tuple[Binfmt, ...] = ()
    registry: str | None = None
    registry_answer: str | None = None


@dataclass(frozen=True)
class Needs:
    """What the workspace asks of the machine: its target platforms, and why some steps run
    on the target platform (empty: none does)."""

    platforms: tuple[str, ...] = ("linux/arm64",)
    target_steps: tuple[str, ...] = ()


@dataclass(frozen=True)
class Line:
    ok: bool
    text: str
    blocks: bool = False

    def render(self) -> str:
        return f"{'ok' if self.ok else 'fix'}: {self.text}"


def needs(plan: Plan) -> Needs:
    """The platforms of the plan's services and the steps that run on them."""
    why: list[str] = []
    if not plan.workspace.settings.native_builds:
        why.append("native-builds = false runs every step on the target platform")
    for s in plan.services:
        why += [f"{s.name} installs {p.name} ({p.reason})" for p in s.emulated]
        if s.replaces:
            why.append(f"{s.name} removes the base image's {', '.join(s.replaces)}")
        if s.base_dockerfile:
            why.append(f"{s.name} starts from {s.base_dockerfile}")
    platforms = tuple(dict.fromkeys(s.platform for s in plan.services)) or Needs().platforms
    return Needs(platforms=platforms, target_steps=tuple(why))


def version(numbers: Sequence[int]) -> str:
    return ".".join(str(n) for n in numbers)


def _docker(facts: Facts) -> list[Line]:
    if facts.docker is None:
        return [Line(False, f"docker: {facts.problem}", blocks=True)]
    return [Line(True, f"docker {facts.docker} answers")]


def _buildx(facts: Facts) -> list[Line]:
    if facts.buildx is None:
        return [
            Line(
                False,
                "no docker buildx; install the buildx plugin (Debian: docker-buildx)",
                blocks=True,
            )
        ]
    number = version(facts.buildx)
    if tuple(facts.buildx[:2]) >= ALLOW_FROM:
        allow = (
            "secret files outside the workspace (UV_NETRC_FILE, UV_ENV_FILE) need "
            "--allow=fs.read=<folder>"
        )
    else:
        allow = "no --allow entitlements before 0.20: secret files are read without one"
    return [Line(True, f"buildx {number}; {allow}")]


def _builder(facts: Facts) -> list[Line]:
    name = f"builder {facts.builder} (driver {facts.driver})"
    lines = [Line(True, f"{name} loads images into docker (--load)")]
    if facts.driver != "docker" or facts.containerd_store:
        lines.append(Line(True, f"{name} exports a build cache (CACHE=gha or registry)"))
    else:
        lines.append(
            Line(
                False,
                f"{name} exports no build cache without the containerd image store, so "
                f"CACHE=gha or registry fails; use one that does: {NEW_BUILDER}",
            )
        )
    return lines


def _platform(facts: Facts, platform: str, target_steps: Sequence[str]) -> Line:
    if NATIVE.get(facts.architecture) == platform:
        return Line(True, f"{platform}: the engine runs on it ({facts.architecture})")
    entry = next((b for b in facts.binfmt if b.name == BINFMT[platform]), None)
    arch = platform.split("/")[1]
    if entry is not None and entry.present and entry.enabled and "F" in entry.flags:
        return Line(
            True,
            f"{platform} steps run under QEMU (binfmt {entry.name} enabled, flags {entry.flags})",
        )
    state = _binfmt_state(entry)
    if not target_steps:
        return Line(
            True,
            f"{platform}: no step of this workspace runs on it ({state}; a service that "
            "installs a package with no wheel for it would need QEMU)",
        )
    return Line(
        False,
        f"{platform} steps need QEMU ({'; '.join(target_steps)}), and {state}; "
        f"{_enable(entry, arch)}",
        blocks=True,
    )


def _binfmt_state(entry: Binfmt | None) -> str:
    if entry is None or entry.present is None:
        return "the engine is not on this machine, so its binfmt entries are unknown"
    if not entry.present:
        return f"binfmt has no {entry.name} entry"
    if not entry.enabled:
        return f"binfmt {entry.name} is disabled"
    return f"binfmt {entry.name} lacks the F flag (containers do not see its interpreter)"


def _enable(entry: Binfmt | None, arch: str) -> str:
    if entry is not None and entry.present and not entry.enabled:
        return f"enable it: echo 1 > /proc/sys/fs/binfmt_misc/{entry.name} (as root)"
    return f"register it: {INSTALL_BINFMT.format(arch=arch)}"


def _registry(facts: Facts) -> list[Line]:
    registry = facts.registry
    if registry is None or registry == "local":
        return [Line(True, "REGISTRY is not set: images are tagged local/<service> (no push)")]
    if registry == "":
        return [
            Line(
                False,
                "REGISTRY is set but empty, which stops the bake; set it to the registry to "
                "push to, or unset it",
                blocks=True,
            )
        ]
    if facts.registry_answer is None:
        return [Line(True, f"registry of REGISTRY={registry} answers")]
    return [
        Line(
            False,
            f"registry of REGISTRY={registry} does not answer ({facts.registry_answer}); "
            "check the name and the network (a push would fail)",
            blocks=True,
        )
    ]


def diagnose(facts: Facts, *, need: Needs) -> list[Line]:
    """Every check's line, in the order a build meets them."""
    if facts.docker is None:
        return _docker(facts)
    return [
        *_docker(facts),
        *_buildx(facts),
        *(_builder(facts) if facts.buildx is not None else []),
        *(_platform(facts, p, need.target_steps) for p in need.platforms),
        *_registry(facts),
    ]
