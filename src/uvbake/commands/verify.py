"""`uvbake verify`: run each built image as Lambda does and invoke every function once.

Each bake target's image (its tag as `docker buildx bake --print` resolves it, so REGISTRY and
TAG mean what they meant to the build) runs with its own entrypoint and CMD, which is the
Runtime Interface Emulator in front of the Lambda runtime, on a read-only file system with a
writable /tmp and a non-root user, as Lambda runs it. One event is POSTed to the emulator;
report/verify.py says what the answer means. Containers are always removed."""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from uvbake import api
from uvbake.console import Console
from uvbake.errors import UvbakeError
from uvbake.names import BAKE_FILE
from uvbake.plan.records import Plan
from uvbake.report import verify as report

INVOKE_PATH = "/2015-03-31/functions/function/invocations"
# A uid:gid that is not root, as Lambda runs functions (sbx_user1051).
LAMBDA_USER = "993:990"
DEFAULT_EVENT = b"{}"
DOCKER_TIMEOUT = 120
LOG_LINES = 20


@dataclass(frozen=True)
class Job:
    """One bake target to verify: its handler, its image and the event to send."""

    target: str
    handler: str
    image: report.Image
    event: bytes


def run(
    *,
    root: Path,
    targets: Sequence[str] = (),
    events: Sequence[str] = (),
    events_dir: Path | None = None,
    timeout: float = 120,
    as_json: bool = False,
    console: Console | None = None,
) -> int:
    console = console or Console()
    the_plan = api.planned(root, console=console)
    chosen = select(the_plan, names=targets)
    bodies = read_events(the_plan, chosen=chosen, pairs=events, folder=events_dir)
    bake_args = _bake_file_args(root, the_plan)
    _require_docker()
    found = _images(root, bake_args, chosen=chosen)
    _require_loaded(found, bake_args)
    jobs = [
        Job(target=t, handler=h, image=found[t], event=bodies.get(t, DEFAULT_EVENT))
        for t, h in chosen
    ]
    checked = [_verify(job, timeout=timeout, console=console) for job in jobs]
    console.out.write(report.as_json(checked) if as_json else report.table(checked))
    return 0 if report.passed(checked) else 1


def _all_targets(the_plan: Plan) -> tuple[tuple[str, str], ...]:
    return tuple(pair for s in the_plan.services for pair in s.targets)


def select(the_plan: Plan, *, names: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """(bake target, handler) of every target, or of those `names` names: bake targets, or
    services (each of a service's functions)."""
    every = _all_targets(the_plan)
    if not names:
        return every
    services = {s.name: s.targets for s in the_plan.services}
    wanted: set[tuple[str, str]] = set()
    for name in names:
        found = services.get(name) or tuple(p for p in every if p[0] == name)
        if not found:
            known = ", ".join(sorted({*services, *(t for t, _ in every)}))
            raise UvbakeError(
                "--target", f"no bake target or service named '{name}'", f"use one of: {known}"
            )
        wanted.update(found)
    return tuple(p for p in every if p in wanted)


def read_events(
    the_plan: Plan,
    *,
    chosen: Sequence[tuple[str, str]],
    pairs: Sequence[str],
    folder: Path | None,
) -> dict[str, bytes]:
    """{target: event} from `folder`'s <target>.json files, then the TARGET=FILE `pairs`."""
    out: dict[str, bytes] = {}
    if folder is not None:
        if not folder.is_dir():
            raise UvbakeError(folder, "is not a folder", "pass --events a folder of <target>.json")
        for target, _ in chosen:
            path = folder / f"{target}.json"
            if path.is_file():
                out[target] = _event_file(path)
    known = [t for t, _ in _all_targets(the_plan)]
    for pair in pairs:
        target, sep, file = pair.partition("=")
        if not sep or not target or not file:
            raise UvbakeError("--event", f"'{pair}' is not TARGET=FILE", "e.g. --event api=e.json")
        if target not in known:
            fix = f"use one of: {', '.join(known)}"
            raise UvbakeError("--event", f"no bake target named '{target}'", fix)
        out[target] = _event_file(Path(file))
    return out


def _event_file(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UvbakeError(path, f"cannot be read ({exc.strerror})", "pass a JSON file") from None
    try:
        json.loads(data)
    except ValueError as exc:
        raise UvbakeError(path, f"is not JSON ({exc})", "write the event as JSON") from None
    return data


def _bake_file_args(root: Path, the_plan: Plan) -> tuple[str, ...]:
    """The bake command's file options: none for docker-bake.hcl (so an override file is
    read, as `docker buildx bake` reads it), else `-f <bake-file>`."""
    name = the_plan.workspace.settings.bake_file
    if not (root / name).is_file():
        fix = "run `uvbake generate`, then `docker buildx bake --load`"
        raise UvbakeError(root / name, "does not exist", fix)
    return () if name == BAKE_FILE else ("-f", name)


def _docker(*args: str, timeout: float = DOCKER_TIMEOUT, cwd: Path | None = None) -> str:
    """Run docker; its stdout. A failure raises CalledProcessError (with stderr)."""
    done = subprocess.run(
        ["docker", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
    )
    done.check_returncode()
    return done.stdout


def _last_line(text: str | None) -> str:
    lines = [line for line in (text or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def _require_docker() -> None:
    if shutil.which("docker") is None:
        fix = "install Docker (with buildx) where the images were built, and run verify there"
        raise UvbakeError("docker", "not found on PATH", fix)
    try:
        _docker("version", "--format", "{{.Server.Version}}", timeout=60)
    except subprocess.CalledProcessError as exc:
        problem = f"cannot reach the engine ({_last_line(exc.stderr)})"
        raise UvbakeError("docker", problem, "start Docker, or set DOCKER_HOST") from None


def _images(
    root: Path, bake_args: Sequence[str], *, chosen: Sequence[tuple[str, str]]
) -> dict[str, report.Image]:
    """Each target's first tag and platform, as `docker buildx bake --print` resolves them."""
    names = [t for t, _ in chosen]
    where = bake_args[-1] if bake_args else BAKE_FILE
    try:
        printed = _docker("buildx", "bake", *bake_args, "--print", *names, cwd=root)
    except subprocess.CalledProcessError as exc:
        problem = f"`docker buildx bake --print` failed ({_last_line(exc.stderr)})"
        raise UvbakeError(where, problem, "run `uvbake generate`") from None
    found = report.images(printed, targets=names)
    untagged = [t for t in names if t not in found]
    if untagged:
        problem = f"no tag or platform for {', '.join(untagged)}"
        raise UvbakeError(where, problem, "run `uvbake generate`")
    return found


def _require_loaded(found: dict[str, report.Image], bake_args: Sequence[str]) -> None:
    """Every image is in the local image store, else one line naming the targets and the
    bake command that loads them."""
    missing = []
    for target, image in found.items():
        try:
            _docker("image", "inspect", "--format", "{{.Id}}", image.ref, timeout=60)
        except subprocess.CalledProcessError:
            missing.append(target)
    if missing:
        refs = ", ".join(found[t].ref for t in missing)
        bake = " ".join(["docker buildx bake", *bake_args, "--load", *missing])
        raise UvbakeError(
            ", ".join(missing),
            f"not in the local image store ({refs})",
            f"build with `{bake}` (or `--set '*.output=type=docker'`), with the REGISTRY and "
            "TAG the build had",
        )


def _verify(job: Job, *, timeout: float, console: Console) -> report.Checked:
    console.status(f"verifying {job.target} ({job.image.ref}, {job.image.platform})")
    started = time.monotonic()
    name = f"uvbake-verify-{uuid.uuid4().hex[:12]}"
    try:
        verdict = _invoke(name, job, deadline=started + timeout, timeout=timeout)
        if not verdict.ok:
            _show_logs(name, job.target, console)
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=DOCKER_TIMEOUT)
    seconds = time.monotonic() - started
    return report.Checked(job.target, job.handler, job.image.ref, verdict, seconds)


def _invoke(name: str, job: Job, *, deadline: float, timeout: float) -> report.Verdict:
    """Start the image as Lambda runs it and POST the event once the emulator listens."""
    run = ["run", "-d", "--name", name, "--pull", "never", "--read-only", "--tmpfs", "/tmp"]
    run += ["--user", LAMBDA_USER, "--platform", job.image.platform, "-p", "127.0.0.1::8080"]
    try:
        _docker(*run, job.image.ref, timeout=timeout)
        published = _docker("port", name, "8080/tcp").split()
    except subprocess.TimeoutExpired:
        return report.timed_out(timeout)
    except subprocess.CalledProcessError as exc:
        return report.Verdict(report.Result.failed, f"docker: {_last_line(exc.stderr)}")
    if not published:
        return report.Verdict(report.Result.failed, "docker published no port for 8080")
    url = f"http://127.0.0.1:{published[0].rsplit(':', 1)[1]}{INVOKE_PATH}"
    return _post(name, url, job.event, deadline=deadline, timeout=timeout)


def _post(name: str, url: str, event: bytes, *, deadline: float, timeout: float) -> report.Verdict:
    """One invocation; the port answers before the emulator does, so connection errors are
    retried while the container runs, until the deadline."""
    headers = {"Content-Type": "application/json"}
    while (remaining := deadline - time.monotonic()) > 0:
        request = urllib.request.Request(url, data=event, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=remaining) as response:
                error = response.headers.get("X-Amz-Function-Error")
                return report.classify(response.read(), function_error=error)
        except TimeoutError:
            break
        except urllib.error.HTTPError as exc:
            return report.Verdict(report.Result.failed, f"HTTP {exc.code} from the emulator")
        except (ConnectionError, http.client.HTTPException, urllib.error.URLError) as exc:
            if isinstance(getattr(exc, "reason", None), TimeoutError):
                break
            stopped = _stopped(name)
            if stopped is not None:
                return stopped
            time.sleep(0.2)
    return report.timed_out(timeout)


def _stopped(name: str) -> report.Verdict | None:
    """The verdict on a container that has stopped, None while it runs."""
    try:
        state = _docker("inspect", "--format", "{{.State.Running}} {{.State.ExitCode}}", name)
    except subprocess.CalledProcessError:
        return report.exited("gone", "")
    running, _, code = state.strip().partition(" ")
    if running == "true":
        return None
    return report.exited(f"exit code {code}", _last_line(_logs(name, lines=5)))


def _show_logs(name: str, target: str, console: Console) -> None:
    """The container's last log lines on stderr, for a target that did not pass."""
    text = _logs(name, lines=LOG_LINES).rstrip()
    if text:
        console.status(f"--- {target}: the container's last log lines\n{text}")


def _logs(name: str, *, lines: int) -> str:
    """The container's last `lines` lines of output, stdout and stderr interleaved."""
    done = subprocess.run(
        ["docker", "logs", "--tail", str(lines), name],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        timeout=DOCKER_TIMEOUT,
    )
    return done.stdout
