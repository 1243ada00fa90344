"""The dev loop at scale: the no-op bake and a one-service code edit at several workspace sizes,
uvbake against the seed pattern.

    python bake/bench/curve.py [--sizes 3,10,30] [--libs 1] [--repeats 3] [--workdir DIR]
        [--out docs/bench-curve.md] [--readme README.md]

For each size, one synthetic workspace (bake/bench/workspace.py through run.py's
prepare_workspace) is built by both pipelines on the same engine, in one run:

1. cold, once per pipeline (the build cache and the uv cache mounts pruned before each;
   uvbake first, then built again, untimed, so both are warm);
2. no-op: the same bake again, --repeats times per pipeline, the pipelines taking turns;
3. code edit: a new line in the first service's handler module, --repeats times per
   pipeline, each time a new edit, the pipelines taking turns.

The median of each is reported beside the steps BuildKit solved. uvbake's times include
`uvbake generate`, run before each of its bakes, as a user runs it. The table goes to --out
and, between the bench-curve markers, into --readme.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # run.py sits beside this file

README_START = "<!-- bench-curve:start -->"
README_END = "<!-- bench-curve:end -->"


@dataclass(frozen=True)
class Size:
    services: int
    results: dict[tuple[str, str], run.Result]

    def ratio(self, scenario: str) -> float:
        return self.results[scenario, "uvbake"].seconds / self.results[scenario, "seed"].seconds


def measure(root: Path, *, services: int, libs: int, repeats: int) -> Size:
    found = run.prepare_workspace(root, services=services, libs=libs)
    results: dict[tuple[str, str], run.Result] = {}
    # uvbake first: the seed's cold build (minutes under emulation) is then not done twice
    # to warm it again after the second prune.
    for pipeline in ("uvbake", "seed"):
        run.prune()
        results["cold", pipeline] = run._measure("cold", pipeline, root)
    run.bake("uvbake", root)  # warm again after the seed's prune
    edit = run._edit_code(found)
    for index, (scenario, change) in enumerate(
        (("no-op", lambda _root: None), ("code edit, one service", edit))
    ):
        runs: dict[str, list[run.Result]] = {p: [] for p in run.PIPELINES}
        for turn in range(repeats):
            change(root)
            order = run.PIPELINES if (index + turn) % 2 == 0 else run.PIPELINES[::-1]
            for pipeline in order:
                runs[pipeline].append(run._measure(scenario, pipeline, root))
        for pipeline, done in runs.items():
            results[scenario, pipeline] = run._median(done)
    return Size(services=services, results=results)


def table(sizes: Sequence[Size], *, libs: int, repeats: int, machine: str) -> str:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    lines = [
        f"Measured {when} on {machine}. Workspaces of 3 to {sizes[-1].services} services and "
        f"{libs} common librar{'y' if libs == 1 else 'ies'} (bake/bench/curve.py); both "
        f"pipelines in one run per size; no-op and code edit: median of {repeats} bakes, the "
        "pipelines taking turns; uvbake's times include `uvbake generate`.",
        "",
        "| services | no-op, seed | no-op, uvbake | ratio | code edit, seed | "
        "code edit, uvbake | ratio | cold, seed | cold, uvbake | ratio | "
        "steps solved (no-op), seed / uvbake |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        r = size.results
        cells = [str(size.services)]
        for scenario in ("no-op", "code edit, one service", "cold"):
            cells += [
                f"{r[scenario, 'seed'].seconds:.1f} s",
                f"{r[scenario, 'uvbake'].seconds:.1f} s",
                f"{size.ratio(scenario):.2f}",
            ]
        cells.append(f"{r['no-op', 'seed'].solved} / {r['no-op', 'uvbake'].solved}")
        lines.append("| " + " | ".join(cells) + " |")
    per = [
        (s.services, s.results["no-op", "seed"].seconds, s.results["no-op", "uvbake"].seconds)
        for s in sizes
    ]
    if len(per) > 1:
        (n0, seed0, uv0), (n1, seed1, uv1) = per[0], per[-1]
        lines += [
            "",
            f"No-op cost per added service, from {n0} to {n1} services: seed "
            f"{(seed1 - seed0) / (n1 - n0) * 1000:.0f} ms, uvbake "
            f"{(uv1 - uv0) / (n1 - n0) * 1000:.0f} ms.",
        ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="3,10,30")
    parser.add_argument("--libs", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir", type=Path, help="keep the workspaces here")
    parser.add_argument("--out", type=Path, default=run.REPO / "docs" / "bench-curve.md")
    parser.add_argument("--readme", type=Path, help="also put the table into this README")
    args = parser.parse_args(argv)
    try:
        counts = sorted({int(n) for n in args.sizes.split(",")})
    except ValueError:
        parser.error("--sizes takes numbers separated by commas, such as 3,10,30")
    if not counts or counts[0] < 1 or counts[-1] > 60 or not 1 <= args.libs <= 10:
        parser.error("--sizes must be 1-60 services and --libs 1-10")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="uvbake-curve-"))
    sizes = []
    for count in counts:
        root = work / f"services-{count}" / "ws"
        if root.exists():
            parser.error(f"{root} exists: give an empty --workdir")
        print(f"== {count} services: {root}", flush=True)
        sizes.append(measure(root, services=count, libs=args.libs, repeats=args.repeats))
    text = table(sizes, libs=args.libs, repeats=args.repeats, machine=run._machine())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("# The dev loop at scale: uvbake against the seed pattern\n\n" + text)
    if args.readme:
        readme = args.readme.read_text(encoding="utf-8")
        start, end = readme.index(README_START), readme.index(README_END)
        new = readme[: start + len(README_START)] + "\n" + text + readme[end:]
        args.readme.write_text(new, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
