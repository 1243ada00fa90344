"""GitHub Actions build matrices: one entry per service, or services packed into shards."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from uvbake.errors import UvbakeError
from uvbake.plan.records import Plan, ServicePlan

FORMATS = ("json", "github")
DEFAULT_RUNNER = "ubuntu-latest"
# GitHub Actions runs at most this many jobs from one matrix.
MAX_JOBS = 256


@dataclass(frozen=True)
class Shard:
    index: int
    targets: tuple[str, ...]
    cost: int


def cost(service: ServicePlan) -> int:
    """A rough build cost: third-party packages, local libraries, and the service itself."""
    return len(service.third_party) + len(service.closure) + 1


def shard(costs: Sequence[tuple[str, int]], *, count: int) -> tuple[Shard, ...]:
    """Greedy largest-first packing of named costs into at most `count` non-empty shards.

    Each item goes to the lightest shard so far (lowest index on ties); items are taken by
    decreasing cost, then name, so the result depends only on the input set.
    """
    if count < 1:
        raise UvbakeError("--shards", f"{count} is not a shard count", "pass --shards 1 or more")
    bins: list[tuple[list[str], int]] = [([], 0) for _ in range(count)]
    for name, weight in sorted(costs, key=lambda item: (-item[1], item[0])):
        lightest = min(range(count), key=lambda i: (bins[i][1], i))
        names, load = bins[lightest]
        bins[lightest] = ([*names, name], load + weight)
    filled = [(sorted(names), load) for names, load in bins if names]
    return tuple(
        Shard(index=i, targets=tuple(names), cost=load) for i, (names, load) in enumerate(filled, 1)
    )


def _runner(plan: Plan, service: ServicePlan) -> str | None:
    runner = plan.workspace.settings.arm64_runner
    if runner is None:
        return None
    return runner if service.platform == "linux/arm64" else DEFAULT_RUNNER


def matrix(plan: Plan, *, services: Iterable[str], shards: int | None) -> dict[str, Any]:
    """GitHub's `{"include": [...]}` for the named services (in plan order), of at most
    MAX_JOBS entries."""
    data = _matrix(plan, services=services, shards=shards)
    jobs = len(data["include"])
    if jobs > MAX_JOBS:
        raise UvbakeError(
            "uvbake matrix",
            f"{jobs} jobs are more than the {MAX_JOBS} GitHub Actions runs from one matrix",
            f"pack the services into fewer jobs with --shards {MAX_JOBS} (or fewer)",
        )
    return data


def _matrix(plan: Plan, *, services: Iterable[str], shards: int | None) -> dict[str, Any]:
    wanted = set(services)
    chosen = [s for s in plan.services if s.name in wanted]
    if shards is not None:
        packed = shard([(s.name, cost(s)) for s in chosen], count=shards)
        return {"include": [{"shard": p.index, "targets": list(p.targets)} for p in packed]}
    include = []
    for service in chosen:
        entry = {"service": service.name, "target": service.name, "platform": service.platform}
        runner = _runner(plan, service)
        if runner is not None:
            entry["runs-on"] = runner
        include.append(entry)
    return {"include": include}


def format_matrix(data: dict[str, Any], *, fmt: str) -> str:
    if fmt == "github":
        return "matrix=" + json.dumps(data, separators=(",", ":")) + "\n"
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n"
    raise UvbakeError("--format", f"{fmt!r} is not a matrix format", f"use {' or '.join(FORMATS)}")
