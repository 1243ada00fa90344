"""The plain-progress log reader the engine tests rely on, on a log shaped like BuildKit's."""

from __future__ import annotations

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
