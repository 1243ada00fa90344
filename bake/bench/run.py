"""The build bench: uvbake's generated bake file against the hand-written seed pattern.

    python bake/bench/run.py [--services 6] [--libs 3] [--import-runs 5]
        [--out docs/bench.md] [--chart docs/bench.png] [--readme README.md] [--workdir DIR]

Both pipelines build one synthetic workspace (bake/bench/workspace.py) on the same engine,
in one run, scenario by scenario; within a scenario they take turns going first:

1. cold: build cache and uv cache mounts pruned before each pipeline's build;
2. no-op: the same bake again;
3. code edit in one service;
4. edit in a common library that some services use;
5. dependency bump in one service (`humanize` pin moved, `uv lock`);
6. dependency bump in the library every service uses (`toolz` pin moved, `uv lock`).

uvbake's wall time includes `uvbake generate`, run before each of its bakes. Each bake is
read from its plain progress log: RUN steps executed and RUN steps from cache. After the
scenarios both pipelines push to the loopback registry, and the bench reads every image's
manifest for its size and the bytes of the unique layers across all images, then times the
import of each handler module in a fresh container (median of --import-runs).

Needs the engine and the stand-in images (bake/engine-up.sh, bake/images.sh), and network
access to PyPI for the cold builds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from progress import run_counts, solved_steps, target_platform_stages
from workspace import lock_workspace, make_workspace

from uvbake.api import generated_files

REPO = Path(__file__).resolve().parents[2]
SEED_DOCKERFILE = Path(__file__).resolve().parent / "seed" / "Dockerfile"
# Benches run side by side on one engine push to repositories of their own with this set
REGISTRY = os.environ.get("UVBAKE_BENCH_REGISTRY", "localhost:5000/uvbake-bench")
BASE_IMAGE = os.environ.get("UVBAKE_BENCH_BASE_IMAGE", "localhost:5000/lambda/python:3.13")
UV_IMAGE = os.environ.get("UVBAKE_BENCH_UV_IMAGE", "localhost:5000/astral-sh/uv:0.13.9")
PIPELINES = ("seed", "uvbake")
# Pins the bench moves in scenarios 5 and 6: (package, before, after).
SERVICE_PIN = ("humanize", "4.9.0", "4.10.0")
LIBRARY_PIN = ("toolz", "0.12.0", "0.12.1")
BAKE_TIMEOUT = 3600
# `uvbake generate` runs as an installed tool does: Python caches its bytecode (pip compiles it
# at install time). With PYTHONDONTWRITEBYTECODE set (as some sandboxes and CI images do), an
# editable install recompiles every uvbake module on every call, about 0.5 s per scenario
# that the seed pipeline, which runs no Python, never pays.
GENERATE_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"


@dataclass(frozen=True)
class Service:
    folder: str
    package: str
    name: str
    handler: str
    libraries: tuple[str, ...]


@dataclass(frozen=True)
class Result:
    scenario: str
    pipeline: str
    seconds: float
    executed: int
    cached: int
    # RUN steps executed on the target platform (under QEMU on an amd64 machine)
    emulated: int = 0
    # Dockerfile steps BuildKit solved, run or from cache (every instruction, every target)
    solved: int = 0


@dataclass(frozen=True)
class ImageFigures:
    pipeline: str
    sizes: dict[str, int]
    unique_bytes: int
    unique_added_bytes: int
    import_seconds: dict[str, float]
    # uvbake only: third-party bytes estimated from the locked wheel sizes, over distinct
    # layers and with every distinct package once (uvbake list --layers)
    estimated_unique: int = 0
    estimated_lower_bound: int = 0


# ---------------------------------------------------------------- the workspace


def _add_dependency(pyproject: Path, requirement: str) -> None:
    text = pyproject.read_text(encoding="utf-8")
    head = f'dependencies = ["{requirement}", '
    new = re.sub(r"^dependencies = \[", head, text, count=1, flags=re.M)
    pyproject.write_text(new.replace(", ]", "]"), encoding="utf-8")


def _move_pin(pyproject: Path, pin: tuple[str, str, str]) -> None:
    name, before, after = pin
    text = pyproject.read_text(encoding="utf-8")
    if f'"{name}=={before}"' not in text:
        raise RuntimeError(f"{pyproject} has no {name}=={before} to bump")
    pyproject.write_text(text.replace(f'"{name}=={before}"', f'"{name}=={after}"'), "utf-8")


def prepare_workspace(root: Path, *, services: int, libs: int) -> list[Service]:
    """Write and lock the bench workspace; return its services as uvbake plans them."""
    make_workspace(root, services=services, libs=libs, shared_lib=libs > 0, lock=False)
    _add_dependency(root / "services" / "svc_00" / "pyproject.toml", "==".join(SERVICE_PIN[:2]))
    if libs:
        lib = root / "services" / "common" / "lib_00" / "pyproject.toml"
        _add_dependency(lib, "==".join(LIBRARY_PIN[:2]))
    lock_workspace(root)
    (root / "seed.Dockerfile").write_text(SEED_DOCKERFILE.read_text(encoding="utf-8"), "utf-8")
    plan, _ = generated_files(root)
    found = [
        Service(
            folder=s.member.folder,
            package=s.handler.split(".")[0],
            name=s.name,
            handler=s.handler,
            libraries=tuple(m.folder for m in s.closure),
        )
        for s in plan.services
    ]
    (root / "seed.docker-bake.hcl").write_text(seed_bakefile(found), encoding="utf-8")
    return found


def seed_bakefile(services: Sequence[Service]) -> str:
    """The small bake file a user of the seed pattern writes: one target per service."""
    lines = [
        'variable "REGISTRY" { default = "local" }',
        'variable "BASE_IMAGE" { default = "public.ecr.aws/lambda/python:3.13" }',
        'variable "UV_IMAGE" { default = "ghcr.io/astral-sh/uv:latest" }',
        "",
        'group "default" {',
        "  targets = [" + ", ".join(f'"{s.folder}"' for s in services) + "]",
        "}",
        "",
        'target "_seed" {',
        '  dockerfile = "seed.Dockerfile"',
        '  platforms = ["linux/arm64"]',
        '  attest = ["type=provenance,disabled=true", "type=sbom,disabled=true"]',
        "  args = { BASE_IMAGE = BASE_IMAGE, UV_IMAGE = UV_IMAGE }",
        "}",
    ]
    for s in services:
        lines += [
            "",
            f'target "{s.folder}" {{',
            '  inherits = ["_seed"]',
            f'  args = {{ SERVICE_NAME = "{s.folder}", HANDLER = "{s.handler}" }}',
            f'  tags = ["${{REGISTRY}}/seed-{s.folder}:latest"]',
            "}",
        ]
    return "\n".join(lines) + "\n"


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


# ---------------------------------------------------------------- running bakes


def _run(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    timeout: float = 600,
    env: dict[str, str] | None = None,
) -> str:
    result = subprocess.run(
        list(argv), cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False, env=env
    )
    if result.returncode != 0:
        raise RuntimeError(f"`{' '.join(argv)}` failed:\n{result.stdout}{result.stderr[-4000:]}")
    return result.stdout


def bake(
    pipeline: str, root: Path, *, push: bool = False
) -> tuple[float, tuple[int, int], int, int]:
    """One pipeline's bake of every service: (wall seconds, (RUN steps executed, cached), RUN
    steps executed on the target platform, Dockerfile steps solved)."""
    start = time.perf_counter()
    if pipeline == "uvbake":
        # as the README's loop runs it: `uvbake generate` in the workspace
        _run([sys.executable, "-m", "uvbake", "generate"], cwd=root, env=GENERATE_ENV)
        files = ["-f", "docker-bake.hcl"]
    else:
        files = ["-f", "seed.docker-bake.hcl"]
    env = {
        **os.environ,
        "REGISTRY": REGISTRY,
        "TAG": "latest",
        "BASE_IMAGE": BASE_IMAGE,
        "UV_IMAGE": UV_IMAGE,
    }
    argv = ["docker", "buildx", "bake", "--progress=plain", *files, *(["--push"] if push else [])]
    result = subprocess.run(
        argv, cwd=root, env=env, capture_output=True, text=True, timeout=BAKE_TIMEOUT
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{pipeline} bake failed:\n{result.stderr[-6000:]}")
    dockerfile = root / ("uvbake.Dockerfile" if pipeline == "uvbake" else "seed.Dockerfile")
    on_target = target_platform_stages(dockerfile.read_text(encoding="utf-8"))
    emulated = run_counts(result.stderr, stages=on_target)[0]
    return seconds, run_counts(result.stderr), emulated, solved_steps(result.stderr)


def prune() -> None:
    """Forget every build result and every cache mount (the uv download caches too)."""
    _run(["docker", "builder", "prune", "-af"], timeout=900)


def _measure(scenario: str, pipeline: str, root: Path) -> Result:
    seconds, (executed, cached), emulated, solved = bake(pipeline, root)
    result = Result(
        scenario=scenario,
        pipeline=pipeline,
        seconds=seconds,
        executed=executed,
        cached=cached,
        emulated=emulated,
        solved=solved,
    )
    print(
        f"  {scenario:<28} {pipeline:<7} {seconds:8.1f} s  RUN {result.executed} ran, "
        f"{result.cached} cached, {result.emulated} on the target platform, "
        f"{result.solved} steps solved",
        flush=True,
    )
    return result


@dataclass(frozen=True)
class Scenario:
    name: str
    change: Callable[[Path], None]
    # Its change can be made again (another edit): measured --repeats times, median kept
    repeatable: bool = False


def _edit_line() -> str:
    """A line no other run appended: BuildKit's cache is shared by everything built on the
    engine, so a fixed edit could come from another bench's cache."""
    return f"\nBENCH_EDIT = {time.time_ns()}\n"


def _edit_code(services: Sequence[Service]) -> Callable[[Path], None]:
    first = services[0]

    def change(root: Path) -> None:
        main = root / "services" / first.folder / "src" / first.package / "main.py"
        _append(main, _edit_line())

    return change


def some_library(services: Sequence[Service]) -> str | None:
    """The library used by the fewest services (but at least one), by folder."""
    users: dict[str, int] = {}
    for s in services:
        for lib in s.libraries:
            users[lib] = users.get(lib, 0) + 1
    return min(sorted(users), key=lambda lib: users[lib]) if users else None


def _edit_library(services: Sequence[Service]) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        lib = some_library(services)
        if lib is None:
            return
        init = next((root / "services" / "common" / lib / "src").glob("*/__init__.py"))
        _append(init, _edit_line())

    return change


def _bump(pyproject: str, pin: tuple[str, str, str]) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        path = root / pyproject
        if path.is_file():
            _move_pin(path, pin)
            lock_workspace(root)

    return change


def scenarios(services: Sequence[Service]) -> list[Scenario]:
    return [
        Scenario("cold", lambda root: None),
        Scenario("no-op", lambda root: None, repeatable=True),
        Scenario("code edit, one service", _edit_code(services), repeatable=True),
        Scenario("edit in a common library", _edit_library(services), repeatable=True),
        Scenario(
            "dependency bump, one service",
            _bump(f"services/{services[0].folder}/pyproject.toml", SERVICE_PIN),
        ),
        Scenario(
            "dependency bump, shared library",
            _bump("services/common/lib_00/pyproject.toml", LIBRARY_PIN),
        ),
    ]


def _median(results: Sequence[Result]) -> Result:
    """The run of median wall time (the lower middle one of an even count)."""
    return sorted(results, key=lambda r: r.seconds)[(len(results) - 1) // 2]


def run_scenarios(root: Path, services: Sequence[Service], *, repeats: int = 1) -> list[Result]:
    results: list[Result] = []
    for index, scenario in enumerate(scenarios(services)):
        if scenario.repeatable and repeats > 1:
            runs: dict[str, list[Result]] = {p: [] for p in PIPELINES}
            for turn in range(repeats):
                scenario.change(root)
                order = PIPELINES if (index + turn) % 2 == 0 else PIPELINES[::-1]
                for pipeline in order:
                    runs[pipeline].append(_measure(scenario.name, pipeline, root))
            results.extend(_median(runs[p]) for p in PIPELINES)
            continue
        scenario.change(root)
        order = PIPELINES if index % 2 == 0 else PIPELINES[::-1]
        if scenario.name == "cold":
            for pipeline in order:
                prune()
                results.append(_measure(scenario.name, pipeline, root))
            # The second cold build pruned the first pipeline's cache: build it once more,
            # untimed, so both start the next scenario warm.
            bake(order[0], root)
            continue
        results.extend(_measure(scenario.name, pipeline, root) for pipeline in order)
    return results


# ---------------------------------------------------------------- image figures


def _manifest(ref: str) -> dict[str, object]:
    raw = json.loads(_run(["docker", "buildx", "imagetools", "inspect", "--raw", ref]))
    if "manifests" in raw:
        arm = next(
            m for m in raw["manifests"] if m.get("platform", {}).get("architecture") == "arm64"
        )
        repo = ref.rsplit(":", 1)[0]
        raw = json.loads(
            _run(["docker", "buildx", "imagetools", "inspect", "--raw", f"{repo}@{arm['digest']}"])
        )
    return raw


def _layers(ref: str) -> dict[str, int]:
    manifest = _manifest(ref)
    layers = manifest["layers"]
    assert isinstance(layers, list)
    return {str(layer["digest"]): int(layer["size"]) for layer in layers}


def image_ref(pipeline: str, service: Service) -> str:
    if pipeline == "seed":
        return f"{REGISTRY}/seed-{service.folder}:latest"
    return f"{REGISTRY}/{service.name}:latest"


def _import_seconds(ref: str, service: Service, pipeline: str, runs: int) -> float:
    module = service.handler.rsplit(".", 1)[0]
    script = (
        "import importlib, time\n"
        "t = time.perf_counter()\n"
        f"importlib.import_module({module!r})\n"
        "print(time.perf_counter() - t)\n"
    )
    argv = ["docker", "run", "--rm", "--platform", "linux/arm64"]
    argv += ["--entrypoint", "/var/lang/bin/python3", ref, "-c", script]
    times = [float(_run(argv, timeout=600).strip().splitlines()[-1]) for _ in range(runs)]
    return statistics.median(times)


def image_figures(
    pipeline: str, root: Path, services: Sequence[Service], *, import_runs: int
) -> ImageFigures:
    bake(pipeline, root, push=True)
    base = set(_layers(BASE_IMAGE))
    sizes: dict[str, int] = {}
    unique: dict[str, int] = {}
    imports: dict[str, float] = {}
    for service in services:
        ref = image_ref(pipeline, service)
        layers = _layers(ref)
        sizes[service.name] = sum(layers.values())
        unique.update(layers)
        imports[service.name] = _import_seconds(ref, service, pipeline, import_runs)
    added = sum(size for digest, size in unique.items() if digest not in base)
    estimate = {"unique_bytes": 0, "lower_bound_bytes": 0}
    if pipeline == "uvbake":
        from uvbake.report import layers as layer_report

        estimate = layer_report.describe(generated_files(root)[0])
    return ImageFigures(
        pipeline=pipeline,
        sizes=sizes,
        unique_bytes=sum(unique.values()),
        unique_added_bytes=added,
        import_seconds=imports,
        estimated_unique=estimate["unique_bytes"],
        estimated_lower_bound=estimate["lower_bound_bytes"],
    )


# ---------------------------------------------------------------- the report


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    docker = _run(["docker", "version", "--format", "{{.Server.Version}}"]).strip()
    buildx = _run(["docker", "buildx", "version"]).split()[1]
    return (
        f"{platform.machine()}, {os.cpu_count()} cores ({cpu}); Docker {docker}, buildx {buildx}"
        "; linux/arm64 images built under QEMU user emulation"
    )


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def report(
    results: Sequence[Result],
    figures: Sequence[ImageFigures],
    *,
    services: int,
    libs: int,
    machine: str,
    chart: str | None,
    repeats: int = 1,
) -> str:
    by = {(r.scenario, r.pipeline): r for r in results}
    names = list(dict.fromkeys(r.scenario for r in results))
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    out = [
        f"Measured {when} on {machine}. Workspace: {services} services, {libs} common "
        "libraries (bake/bench/workspace.py); both pipelines in one run, taking turns"
        + (f"; no-op and edits: median of {repeats} bakes each." if repeats > 1 else "."),
        "",
        "| scenario | seed | uvbake | uvbake / seed | RUN ran / cached, seed | "
        "RUN ran / cached, uvbake | RUN on arm64 (emulated), seed / uvbake | "
        "steps solved, seed / uvbake |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in names:
        seed, ours = by[(name, "seed")], by[(name, "uvbake")]
        ratio = ours.seconds / seed.seconds if seed.seconds else float("nan")
        out.append(
            f"| {name} | {seed.seconds:.1f} s | {ours.seconds:.1f} s | {ratio:.2f} | "
            f"{seed.executed} / {seed.cached} | {ours.executed} / {ours.cached} | "
            f"{seed.emulated} / {ours.emulated} | {seed.solved} / {ours.solved} |"
        )
    if figures:
        seed_fig, ours_fig = figures
        out += [
            "",
            "| image figure | seed | uvbake | uvbake / seed |",
            "|---|---:|---:|---:|",
        ]
        rows = [
            ("unique layer bytes, all images", seed_fig.unique_bytes, ours_fig.unique_bytes),
            (
                "unique layer bytes above the base image",
                seed_fig.unique_added_bytes,
                ours_fig.unique_added_bytes,
            ),
        ]
        for label, a, b in rows:
            out.append(f"| {label} | {_mb(a)} | {_mb(b)} | {b / a:.2f} |")
        if ours_fig.estimated_lower_bound:
            ratio = ours_fig.estimated_unique / ours_fig.estimated_lower_bound
            out.append(
                "| third-party bytes over distinct layers / each package once, estimated from "
                f"the locked wheels | - | {_mb(ours_fig.estimated_unique)} / "
                f"{_mb(ours_fig.estimated_lower_bound)} | {ratio:.2f} |"
            )
        for name in seed_fig.sizes:
            a, b = seed_fig.sizes[name], ours_fig.sizes[name]
            out.append(f"| image size, {name} | {_mb(a)} | {_mb(b)} | {b / a:.2f} |")
        for name in seed_fig.import_seconds:
            a, b = seed_fig.import_seconds[name], ours_fig.import_seconds[name]
            out.append(
                f"| handler cold import, {name} (median) | {a * 1000:.0f} ms | "
                f"{b * 1000:.0f} ms | {b / a:.2f} |"
            )
    if chart:
        out += ["", f"![seed and uvbake build times per scenario]({chart})"]
    return "\n".join(out) + "\n"


def draw_chart(results: Sequence[Result], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(r.scenario for r in results))
    by = {(r.scenario, r.pipeline): r.seconds for r in results}
    fig, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.38
    for offset, pipeline in ((-width / 2, "seed"), (width / 2, "uvbake")):
        xs = [i + offset for i in range(len(names))]
        ax.bar(xs, [by[(n, pipeline)] for n in names], width, label=pipeline)
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
    ax.set_ylabel("wall time (s)")
    ax.set_title("docker buildx bake, all services, linux/arm64")
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def update_readme(readme: Path, table: str) -> None:
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(README_START) + len(README_START), text.index(README_END)
    readme.write_text(text[:start] + "\n" + table + text[end:], encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=6)
    parser.add_argument("--libs", type=int, default=3)
    parser.add_argument("--import-runs", type=int, default=5)
    parser.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="bakes per pipeline of the no-op, code edit and library edit scenarios (a new "
        "edit each time, the two pipelines taking turns); the median is reported",
    )
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "bench.md")
    parser.add_argument("--chart", type=Path, default=REPO / "docs" / "bench.png")
    parser.add_argument("--readme", type=Path, help="also put the table into this README")
    parser.add_argument("--workdir", type=Path, help="keep the workspace here")
    args = parser.parse_args(argv)
    if not 1 <= args.services <= 30 or not 1 <= args.libs <= 10:
        parser.error("--services must be 1-30 and --libs 1-10")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="uvbake-bench-"))
    root = work / "ws"
    if root.exists():
        parser.error(f"{root} exists: give an empty --workdir")
    print(f"workspace {root}", flush=True)
    services = prepare_workspace(root, services=args.services, libs=args.libs)
    results = run_scenarios(root, services, repeats=args.repeats)
    figures = [image_figures(p, root, services, import_runs=args.import_runs) for p in PIPELINES]
    draw_chart(results, args.chart)
    chart = os.path.relpath(args.chart, args.out.parent)
    table = report(
        results,
        figures,
        services=args.services,
        libs=args.libs,
        machine=_machine(),
        chart=chart,
        repeats=args.repeats,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("# Build bench: uvbake against the seed pattern\n\n" + table, "utf-8")
    if args.readme:
        readme_chart = os.path.relpath(args.chart, args.readme.parent)
        update_readme(args.readme, table.replace(f"]({chart})", f"]({readme_chart})"))
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
