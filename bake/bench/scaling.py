"""How `uvbake generate --stdout` scales with the number of workspace members.

    python bake/bench/scaling.py [--sizes 10,100,500] [--workdir DIR] [--out docs/bench-generate.md]

For each size it writes a synthetic workspace (bake/bench/workspace.py: nine services for
each library, every size with the same large third-party set of 300+ locked packages), runs
`uv lock` once for it, then times:

- the whole process `python -m uvbake generate --root W --stdout > /dev/null`: 5 runs, the
  best wall time of the first 3, the median of all 5 and the least CPU time (user + system);
- the in-process core `uvbake.api.generated_files(root)` (load, plan, render): the same
  figures;
- the interpreter start-up plus uvbake's imports (`python -c "import uvbake.cli"`), once;
- the everyday loop, as a user runs it in the workspace (`python -m uvbake generate`, writing
  its files and its memory, in a cache folder of its own): a full run with no memory, a run
  that finds nothing changed, and a run after a new line in one handler module (a new edit
  each time); the median of 5 each.

With --workdir, workspaces already generated there with the same parameters are reused
(their lock is not redone; the lock time shown is the one measured when they were made);
without it they go to a temporary folder. Growth is judged on CPU time, which other load on
the machine disturbs less than wall time. The report ends with a cProfile breakdown of the
largest size.
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import json
import os
import platform
import pstats
import resource
import shutil
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

from workspace import EXTRA, lock_workspace, make_workspace, uv_binary

from uvbake.api import generated_files

REPO = Path(__file__).resolve().parents[2]
RUNS = 5
BEST_OF = 3
SEED = 0


@dataclass(frozen=True)
class Row:
    members: int
    services: int
    libs: int
    lock_packages: int
    third_party: int
    lock_seconds: float | None
    process_best: float
    process_median: float
    core_best: float
    core_median: float
    process_cpu: float
    core_cpu: float
    output_bytes: int
    loop: Loop


@dataclass(frozen=True)
class Loop:
    """Median wall seconds of `uvbake generate` as the everyday loop runs it."""

    full: float  # no memory of a last run: load, scan, plan, render, write, remember
    remembered: float  # nothing changed since the last run
    edited: float  # a new line in one handler module since the last run


def split(members: int) -> tuple[int, int]:
    """Services and libraries for `members` members: one library per ten members."""
    libs = max(1, members // 10)
    return members - libs, libs


def _cpu() -> float:
    """CPU seconds used so far by this process and its waited-for children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _times(call: Callable[[], object], *, runs: int = RUNS) -> tuple[list[float], float]:
    """Wall seconds of each of `runs` runs, and the least CPU seconds of a run."""
    walls, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), _cpu()
        call()
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
    return walls, min(cpus)


def _best_median(runs: Sequence[float]) -> tuple[float, float]:
    return min(runs[:BEST_OF]), statistics.median(runs)


def _workspace(workdir: Path, members: int) -> tuple[Path, float | None]:
    """The workspace of `members` members and how long its `uv lock` took (when known)."""
    services, libs = split(members)
    params = {"services": services, "libs": libs, "seed": SEED, "extra_packages": len(EXTRA)}
    root = workdir / f"members-{members}"
    stamp = root / ".bench-params.json"
    if (root / "uv.lock").is_file() and stamp.is_file():
        saved = json.loads(stamp.read_text(encoding="utf-8"))
        if saved.get("params") == params:
            return root, saved.get("lock_seconds")
    if root.exists():
        shutil.rmtree(root)
    make_workspace(root, lock=False, **params)
    start = time.perf_counter()
    lock_workspace(root)
    seconds = time.perf_counter() - start
    stamp.write_text(json.dumps({"params": params, "lock_seconds": seconds}), encoding="utf-8")
    return root, seconds


def _process(root: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "uvbake", "generate", "--root", str(root), "--stdout"],
        stdout=subprocess.DEVNULL,
        check=True,
    )


def _generate(root: Path, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "uvbake", "generate", "--quiet"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        check=True,
    )


def loop(root: Path, generated: Sequence[str], *, runs: int = RUNS) -> Loop:
    """The everyday loop's `generate` in `root`, `runs` times each; the workspace is left as
    it was found, without the `generated` files."""
    handler = sorted(root.glob("services/*/src/*/main.py"))[0]
    original = handler.read_bytes()
    with tempfile.TemporaryDirectory(prefix="uvbake-cache-") as cache:
        # bytecode as a user's installed uvbake has it; the memory in a folder of its own
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["XDG_CACHE_HOME"] = cache

        def full() -> None:
            shutil.rmtree(Path(cache) / "uvbake", ignore_errors=True)
            _generate(root, env)

        def edited() -> None:
            with handler.open("a", encoding="utf-8") as stream:
                stream.write(f"\nBENCH_EDIT = {time.time_ns()}\n")
            _generate(root, env)

        try:
            full_runs, _ = _times(full, runs=runs)
            remembered_runs, _ = _times(lambda: _generate(root, env), runs=runs)
            edited_runs, _ = _times(edited, runs=runs)
        finally:
            handler.write_bytes(original)
            for name in generated:
                (root / name).unlink(missing_ok=True)
    return Loop(
        full=statistics.median(full_runs),
        remembered=statistics.median(remembered_runs),
        edited=statistics.median(edited_runs),
    )


def measure(workdir: Path, members: int) -> Row:
    root, lock_seconds = _workspace(workdir, members)
    the_plan, files = generated_files(root)
    lock = the_plan.workspace.lock
    text = (root / "uv.lock").read_text(encoding="utf-8")
    lock_packages = text.count("\n[[package]]\n")
    process_runs, process_cpu = _times(lambda: _process(root))
    core_runs, core_cpu = _times(lambda: generated_files(root))
    process, core = _best_median(process_runs), _best_median(core_runs)
    services, libs = split(members)
    return Row(
        members=members,
        services=services,
        libs=libs,
        lock_packages=lock_packages,
        third_party=lock_packages - len(lock.members),
        lock_seconds=lock_seconds,
        process_best=process[0],
        process_median=process[1],
        core_best=core[0],
        core_median=core[1],
        process_cpu=process_cpu,
        core_cpu=core_cpu,
        output_bytes=sum(len(t.encode()) for t in files.values()),
        loop=loop(root, [str(name) for name in files]),
    )


def startup() -> float:
    runs, _ = _times(
        lambda: subprocess.run([sys.executable, "-c", "import uvbake.cli"], check=True)
    )
    return min(runs[:BEST_OF])


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    uv = uv_binary()
    uv_version = (
        subprocess.run([uv, "--version"], capture_output=True, text=True).stdout.strip()
        if uv
        else "none"
    )
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": f"Python {platform.python_version()}",
        "uv": uv_version,
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "load": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def profile(root: Path, top: int = 10) -> list[tuple[str, float]]:
    """uvbake's functions with the largest share of one profiled `generated_files(root)`."""
    profiler = cProfile.Profile()
    profiler.runcall(generated_files, root)
    stats = pstats.Stats(profiler)
    entries = stats.stats  # type: ignore[attr-defined]
    total = max(cum for (_, _, _, cum, _) in entries.values())
    shares = []
    for (filename, line, function), (_, _, _, cum, _) in entries.items():
        path = Path(filename)
        if "uvbake" in path.parts and function not in ("generated_files", "<module>"):
            shares.append((f"`{path.name}:{line}` {function}", cum / total))
    return sorted(shares, key=lambda item: -item[1])[:top]


def report(
    rows: Sequence[Row],
    start_up: float,
    info: dict[str, str],
    shares: Sequence[tuple[str, float]],
) -> str:
    lines = [
        "# `uvbake generate` on large workspaces",
        "",
        "Measured with `python bake/bench/scaling.py` on " + info["date"] + ":",
        "",
        f"- CPU: {info['cpu']}; `nproc`: {info['nproc']}",
        f"- {info['python']} (`python --version`), {info['uv']}, {info['os']}",
        f"- load average (1 / 5 / 15 min) when the measurements began: {info['load']}",
        "",
        "Each workspace comes from `bake/bench/workspace.py` (seed 0, one library for every ten"
        " members, all 64 extra packages), so every size locks the same 300+ third-party"
        " packages; only the member count grows. *Process* is the whole command"
        " `python -m uvbake generate --root W --stdout > /dev/null`; *in-process* is"
        " `uvbake.api.generated_files(root)` (load, plan, render) in a warm interpreter."
        " Best of 3"
        " runs and median of 5 (wall time), and the least CPU time (user + system) of the"
        " 5, which other load on the machine disturbs less. *Per added member* is the"
        " in-process CPU time added per member"
        " since the previous row; *growth* is how many times the in-process CPU time grew per"
        " times the member count grew (1.0 is linear, below 1 means a fixed cost dominates).",
        "",
        "| members (services + libs) | lock packages (third-party) | `uv lock` | process"
        " best / median / CPU | in-process best / median / CPU | per added member | growth |"
        " output |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    previous: Row | None = None
    for row in rows:
        growth = added = "-"
        if previous is not None:
            ratio = (row.core_cpu / previous.core_cpu) / (row.members / previous.members)
            growth = f"{ratio:.2f}"
            delta = (row.core_cpu - previous.core_cpu) / (row.members - previous.members)
            added = f"{delta * 1000:.2f} ms"
        lock = f"{row.lock_seconds:.0f} s" if row.lock_seconds is not None else "-"
        lines.append(
            f"| {row.members} ({row.services} + {row.libs}) | {row.lock_packages}"
            f" ({row.third_party}) | {lock} | {_ms(row.process_best)} /"
            f" {_ms(row.process_median)} / {_ms(row.process_cpu)} | {_ms(row.core_best)} /"
            f" {_ms(row.core_median)} / {_ms(row.core_cpu)} |"
            f" {added} | {growth} | {row.output_bytes / 1024:.0f} KiB |"
        )
        previous = row
    lines += [
        "",
        f"Interpreter start-up plus `import uvbake.cli`: {_ms(start_up)} (best of 3).",
        "",
        "The everyday loop: `python -m uvbake generate` in the workspace, writing its files"
        " and remembering the run (median of 5 each). *Full*: no memory of a last run."
        " *Nothing changed*: the memory answers. *After a code edit*: a new line in one"
        " handler module since the last run; the files that changed are scanned again and,"
        " when what the scan takes from them is the same, the memory answers.",
        "",
        "| members | full | nothing changed | after a code edit |",
        "| --- | --- | --- | --- |",
        *[
            f"| {row.members} | {_ms(row.loop.full)} | {_ms(row.loop.remembered)} |"
            f" {_ms(row.loop.edited)} |"
            for row in rows
        ],
        "",
    ]
    if len(rows) >= 2:
        first, last = rows[0], rows[-1]
        added_times = [
            (b.core_cpu - a.core_cpu) / (b.members - a.members) for a, b in itertools.pairwise(rows)
        ]
        rise = max(added_times) / min(added_times) if min(added_times) > 0 else 0
        if rise <= 0:
            verdict = "not measurable: the machine was too busy"
        elif rise <= 1.25:
            verdict = "linear"
        elif rise <= 2:
            verdict = f"close to linear (the cost of a member rises {rise:.1f}x)"
        else:
            verdict = f"faster than linear (the cost of a member rises {rise:.1f}x)"
        lines += [
            f"From {first.members} to {last.members} members the in-process CPU time grows"
            f" {last.core_cpu / first.core_cpu:.1f}x for {last.members / first.members:.0f}x"
            f" the members: a part that does not depend on the member count (the same"
            f" {first.third_party} third-party packages are read at every size) plus a"
            f" per-member cost of {min(added_times) * 1000:.1f} to"
            f" {max(added_times) * 1000:.1f} ms, so the growth is {verdict}.",
            f"With {last.members} members the whole command takes {_ms(last.process_best)}"
            f" (best) / {_ms(last.process_median)} (median): "
            + ("under 1 s." if last.process_median < 1 else "not under 1 s."),
            "",
        ]
    if shares:
        lines += [
            f"Where the in-process time goes at {rows[-1].members} members (cumulative share"
            " of one `generated_files(root)` under cProfile, which inflates call-heavy code):",
            "",
            *[f"- {name}: {share:.0%}" for name, share in shares],
            "",
        ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,500", help="member counts, comma-separated")
    parser.add_argument("--workdir", type=Path, help="keep (and reuse) the workspaces here")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "bench-generate.md")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    info = machine()
    with tempfile.TemporaryDirectory(prefix="uvbake-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        rows = []
        for members in sizes:
            row = measure(workdir, members)
            print(row, file=sys.stderr)
            rows.append(row)
        shares = profile(workdir / f"members-{sizes[-1]}")
    text = report(rows, startup(), info, shares)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
