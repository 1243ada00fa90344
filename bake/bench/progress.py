"""Reading `docker buildx bake --progress=plain` logs: which steps ran and which came from cache.

Shared by the bench (bake/bench/run.py) and the engine tests (tests/engine.py).
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass, replace

STEP = re.compile(
    r"^#(\d+) \[(?:(?P<target>[a-z0-9_-]+) )?(?P<stage>[a-z0-9._-]+) +\d+/\d+\] (?P<cmd>.*)$"
)
STATUS = re.compile(r"^#(\d+) (CACHED|DONE [0-9.]+s|ERROR.*)$")


@dataclass(frozen=True)
class Step:
    stage: str
    command: str
    cached: bool

    @property
    def is_run(self) -> bool:
        return self.command.startswith("RUN ")


def parse_plain_progress(text: str) -> list[Step]:
    """Every Dockerfile step of a `--progress=plain` log, once each, with its cache status."""
    names: dict[str, tuple[str, str]] = {}
    status: dict[str, bool] = {}
    for line in text.splitlines():
        step = STEP.match(line)
        if step:
            names[step.group(1)] = (step.group("stage"), step.group("cmd"))
            continue
        done = STATUS.match(line)
        if done and done.group(1) in names:
            status[done.group(1)] = done.group(2) == "CACHED"
    seen: dict[tuple[str, str], bool] = {}
    for vid, (stage, cmd) in names.items():
        if vid in status:
            key = (stage, cmd)
            seen[key] = seen.get(key, True) and status[vid]
    return [Step(stage=s, command=c, cached=cached) for (s, c), cached in sorted(seen.items())]


def parse_retried_progress(first: str, again: str) -> list[Step]:
    """The steps of a bake run twice (the first run failed): a step counts as cached only if
    both runs took it from cache, so one the first run did is reported as run."""
    before = {(s.stage, s.command): s.cached for s in parse_plain_progress(first)}
    return [
        replace(s, cached=s.cached and before.get((s.stage, s.command), True))
        for s in parse_plain_progress(again)
    ]


def unfinished_steps(text: str) -> list[str]:
    """The `[stage] command` of every step a plain log started but never finished."""
    started: dict[str, str] = {}
    finished: set[str] = set()
    for line in text.splitlines():
        step = STEP.match(line)
        if step:
            started[step.group(1)] = f"[{step.group('stage')}] {step.group('cmd')[:80]}"
        done = STATUS.match(line)
        if done:
            finished.add(done.group(1))
    return [name for vid, name in started.items() if vid not in finished]


def run_counts(text: str, *, stages: Container[str] | None = None) -> tuple[int, int]:
    """(RUN steps executed, RUN steps from cache) of a log, counting each build vertex once;
    with `stages`, only the steps of those stages.

    Unlike parse_plain_progress this does not merge steps of the same stage and command:
    one Dockerfile built with different build arguments runs the "same" step once per target.
    """
    runs: set[str] = set()
    cached: set[str] = set()
    finished: set[str] = set()
    for line in text.splitlines():
        step = STEP.match(line)
        if step and step.group("cmd").startswith("RUN "):
            if stages is None or step.group("stage") in stages:
                runs.add(step.group(1))
            continue
        done = STATUS.match(line)
        if done:
            finished.add(done.group(1))
            if done.group(2) == "CACHED":
                cached.add(done.group(1))
    counted = runs & finished
    return len(counted - cached), len(counted & cached)


def solved_steps(text: str) -> int:
    """How many Dockerfile steps (FROM, COPY, RUN, ... of every stage of every target) a log
    shows BuildKit solving, each build vertex once, whether it ran or came from cache."""
    started: set[str] = set()
    finished: set[str] = set()
    for line in text.splitlines():
        step = STEP.match(line)
        if step:
            started.add(step.group(1))
            continue
        done = STATUS.match(line)
        if done:
            finished.add(done.group(1))
    return len(started & finished)


def executed_runs(steps: list[Step]) -> list[str]:
    """Stages whose RUN steps really ran (not from cache), sorted."""
    return sorted({s.stage for s in steps if s.is_run and not s.cached})


FROM_LINE = re.compile(r"^FROM (?P<platform>--platform=\S+ )?(?P<base>\S+) AS (?P<name>\S+)$", re.M)


def target_platform_stages(dockerfile: str) -> set[str]:
    """The stages of a Dockerfile that run on the target platform (under emulation when it
    is not the build machine's): those whose FROM chain names no --platform=$BUILDPLATFORM."""
    parents: dict[str, tuple[str, bool]] = {}
    for found in FROM_LINE.finditer(dockerfile):
        native = (found.group("platform") or "").strip() == "--platform=$BUILDPLATFORM"
        parents[found.group("name")] = (found.group("base"), native)

    def on_target(stage: str) -> bool:
        base, native = parents[stage]
        if native:
            return False
        return on_target(base) if base in parents else True

    return {stage for stage in parents if on_target(stage)}


def emulated_runs(steps: list[Step], dockerfile: str) -> list[str]:
    """Stages on the target platform whose RUN steps really ran (not from cache), sorted."""
    return sorted(set(executed_runs(steps)) & target_platform_stages(dockerfile))
