"""`uvbake doctor`: docker, buildx, the builder, the target platforms and the registry,
checked on this machine for the workspace's build; exit 1 when something blocks it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from uvbake import api
from uvbake.console import Console
from uvbake.errors import UvbakeError
from uvbake.plan.records import Plan
from uvbake.report import doctor

TIMEOUT = 30
PROBE_TIMEOUT = 5
BINFMT_FOLDER = Path("/proc/sys/fs/binfmt_misc")
LOOPBACK = ("localhost", "127.0.0.1", "[::1]")


def _docker(*args: str) -> tuple[int, str, str]:
    try:
        done = subprocess.run(
            ["docker", *args], capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return 1, "", str(exc)
    return done.returncode, done.stdout, done.stderr


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no answer"


def _field(text: str, name: str) -> str:
    found = re.search(rf"^{name}:\s*(.+)$", text, flags=re.M)
    return found[1].strip() if found else ""


def binfmt_entry(name: str, *, local: bool, folder: Path = BINFMT_FOLDER) -> doctor.Binfmt:
    """The state of /proc/sys/fs/binfmt_misc/<name>, when the engine runs on this machine."""
    if not local:
        return doctor.Binfmt(name=name, present=None)
    try:
        text = (folder / name).read_text(encoding="utf-8")
    except OSError:
        return doctor.Binfmt(name=name, present=False)
    enabled = text.splitlines()[:1] == ["enabled"]
    return doctor.Binfmt(name=name, present=True, enabled=enabled, flags=_field(text, "flags"))


def probe(registry: str) -> str | None:
    """None when the registry's API answers at /v2/ (any HTTP status: 401 asks for a login),
    else why not."""
    first = registry.split("/", 1)[0]
    is_host = "." in first or ":" in first or first == "localhost"
    host = first if is_host else "registry-1.docker.io"
    scheme = "http" if host.split(":")[0] in LOOPBACK or host.startswith("[::1]") else "https"
    url = f"{scheme}://{host}/v2/"
    try:
        with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT):
            return None
    except urllib.error.HTTPError:
        return None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"{url}: {reason}"


def gather(*, registry: str | None) -> doctor.Facts:
    """The facts of this machine's docker, its default builder and `registry`."""
    if shutil.which("docker") is None:
        return doctor.Facts(docker=None, problem="no docker command on PATH; install Docker")
    code, out, err = _docker("version", "--format", "{{.Server.Version}}")
    if code != 0:
        return doctor.Facts(docker=None, problem=f"{_last_line(err)}; start the engine")
    _, info, _ = _docker("info", "--format", "{{.Architecture}}\t{{json .DriverStatus}}")
    architecture, _, status = info.strip().partition("\t")
    code, buildx, _ = _docker("buildx", "version")
    numbers = re.search(r" v?(\d+)\.(\d+)(?:\.(\d+))?", buildx) if code == 0 else None
    _, inspect, _ = _docker("buildx", "inspect")
    host = os.environ.get("DOCKER_HOST", "")
    local = host == "" or host.startswith("unix://")
    return doctor.Facts(
        docker=out.strip(),
        architecture=architecture,
        containerd_store="io.containerd.snapshotter" in status,
        buildx=tuple(int(n) for n in numbers.groups() if n is not None) if numbers else None,
        builder=_field(inspect, "Name"),
        driver=_field(inspect, "Driver"),
        binfmt=tuple(binfmt_entry(n, local=local) for n in doctor.BINFMT.values()),
        registry=registry,
        registry_answer=probe(registry) if registry not in (None, "", "local") else None,
    )


def _plan(root: Path, console: Console) -> Plan | None:
    try:
        return api.planned(root, console=console)
    except UvbakeError as error:
        console.status(f"uvbake: no workspace to check ({error.line()}): the engine only")
        return None


def run(*, root: Path, console: Console | None = None) -> int:
    console = console or Console()
    the_plan = _plan(root, console)
    need = doctor.needs(the_plan) if the_plan is not None else doctor.Needs()
    if "REGISTRY" in os.environ:
        registry: str | None = os.environ["REGISTRY"]
    else:
        registry = the_plan.workspace.settings.registry if the_plan is not None else None
    lines = doctor.diagnose(gather(registry=registry), need=need)
    for line in lines:
        console.out.write(line.render() + "\n")
    blocking = sum(line.blocks for line in lines)
    if blocking:
        console.err.write(f"uvbake: doctor: {blocking} of these block a build\n")
        return 1
    return 0
