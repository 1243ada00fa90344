"""The plain-progress log reader the engine tests rely on, on a log shaped like BuildKit's."""

from __future__ import annotations

from pathlib import Path

from progress import Step, executed_runs, parse_plain_progress, unfinished_steps

LOG = """\
#0 building with "default" instance using docker driver
#7 [orders svc-orders.deps 2/3] RUN --mount=type=cache,target=/root/.cache/uv uvbake-uv pip install
#7 CACHED
#8 [notifications svc-notifications.deps 2/3] RUN --mount=type=cache,target=/root/.cache/uv uv
#8 12.3 Installed 4 packages
#8 DONE 14.1s
#9 [orders svc-orders.app 2/2] COPY orders /var/task/orders
#9 DONE 0.1s
#10 [orders uvbake.core 3/3] RUN --mount=type=cache,target=/root/.cache/uv uvbake-uv pip install
#10 41.0 Bytecode compiled 900 files
"""


def test_steps_carry_their_cache_status() -> None:
    steps = parse_plain_progress(LOG)
    assert Step("svc-orders.deps", steps[2].command, cached=True) == steps[2]
    assert [(s.stage, s.cached) for s in steps] == [
        ("svc-notifications.deps", False),
        ("svc-orders.app", False),
        ("svc-orders.deps", True),
    ]
    assert executed_runs(steps) == ["svc-notifications.deps"]


def test_a_stuck_bake_names_the_step_that_never_finished() -> None:
    assert unfinished_steps(LOG) == [
        "[uvbake.core] RUN --mount=type=cache,target=/root/.cache/uv uvbake-uv pip install"
    ]


def test_only_final_stages_are_on_the_target_platform_in_the_example() -> None:
    from progress import target_platform_stages

    example = Path(__file__).parent.parent / "examples" / "lambda-monorepo" / "uvbake.Dockerfile"
    # the final stages hold no RUN step: every RUN of the example runs on the build machine
    assert target_platform_stages(example.read_text(encoding="utf-8")) == {
        "svc-ingestion-worker",
        "svc-notifications",
        "svc-orders",
    }
    seed = Path(__file__).parent.parent / "bake" / "bench" / "seed" / "Dockerfile"
    assert target_platform_stages(seed.read_text(encoding="utf-8")) == {"uv", "builder", "final"}


def test_run_counts_of_some_stages_count_each_vertex() -> None:
    from progress import run_counts

    log = "\n".join(
        [
            "#5 [a builder 2/3] RUN make",
            "#6 [b builder 2/3] RUN make",
            "#7 [b other 1/1] RUN true",
            "#5 DONE 1.0s",
            "#6 CACHED",
            "#7 DONE 0.1s",
        ]
    )
    assert run_counts(log) == (2, 1)
    assert run_counts(log, stages={"builder"}) == (1, 1)


def test_solved_steps_count_every_finished_step_once_run_or_cached() -> None:
    from progress import solved_steps

    # #9 and #7 finished (one ran, one from cache), #8 too; #10 never finished; internal
    # vertices (no stage step numbers) are not Dockerfile steps
    internal = "#3 [orders internal] load build definition from uvbake.Dockerfile\n#3 DONE 0.0s\n"
    assert solved_steps(internal + LOG) == 3


def test_a_retried_bake_reports_what_either_run_did() -> None:
    from progress import parse_retried_progress

    # the first run installed the notifications layer, then failed on orders' (the index was
    # unreachable); the second took notifications from cache and ran orders'
    first = "\n".join(
        [
            "#4 [notifications svc-notifications.deps 2/3] RUN uvbake-uv pip install",
            "#5 [orders svc-orders.deps 2/3] RUN uvbake-uv pip install",
            "#6 [orders svc-orders.app 1/1] COPY orders /var/task/orders",
            "#4 DONE 3.0s",
            "#6 CACHED",
            "#5 ERROR: process did not complete successfully: exit code: 2",
        ]
    )
    again = "\n".join(
        [
            "#4 [notifications svc-notifications.deps 2/3] RUN uvbake-uv pip install",
            "#5 [orders svc-orders.deps 2/3] RUN uvbake-uv pip install",
            "#6 [orders svc-orders.app 1/1] COPY orders /var/task/orders",
            "#4 CACHED",
            "#6 CACHED",
            "#5 DONE 4.0s",
        ]
    )
    assert [(s.stage, s.cached) for s in parse_retried_progress(first, again)] == [
        ("svc-notifications.deps", False),
        ("svc-orders.app", True),
        ("svc-orders.deps", False),
    ]
