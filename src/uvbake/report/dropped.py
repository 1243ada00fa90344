"""Functions that the bake file uvbake wrote before builds and the plan no longer does: never
dropped in silence (a renamed handler must not make CI stop building a service)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from uvbake.load.records import Member
from uvbake.names import HIDDEN_TARGET, METADATA_TARGET, OWN_TARGET_PREFIX, base_target, marked
from uvbake.plan.records import Plan

_TARGET = re.compile(r'^target "([^"]+)" \{', re.M)


@dataclass(frozen=True)
class Dropped:
    """A bake target that was built and no longer is, and what the plan knows of why."""

    target: str
    why: str
    # The member whose target it was, when one still has a name it starts with.
    service: str | None = None

    def line(self, *, bake_file: str) -> str:
        return (
            f"{bake_file}: target '{self.target}' was built and no longer is ({self.why}); "
            "make it a Lambda function again to keep building it"
        )


def targets(bake_text: str) -> list[str]:
    """The image targets of a bake file uvbake wrote, in order."""
    found = _TARGET.findall(bake_text)
    meta = {METADATA_TARGET.format(t) for t in found}
    own = (HIDDEN_TARGET, *meta)
    return [t for t in found if t not in own and not t.startswith(OWN_TARGET_PREFIX)]


def dropped(bake_text: str | None, plan: Plan) -> list[Dropped]:
    """Targets of the previous bake file (one uvbake wrote) that the plan builds no more."""
    if not bake_text or not marked(bake_text):
        return []
    now = {t for s in plan.services for t, _ in s.targets}
    now |= {base_target(s.name) for s in plan.services}
    out = []
    for target in targets(bake_text):
        if target in now:
            continue
        member = _member(plan, target)
        skipped = next((s for s in plan.skipped if member is s.member), None)
        if skipped is not None:
            why = skipped.problem.line()
        elif member is not None:
            why = plan.role(member).reason
        else:
            why = "no workspace member has that name now"
        out.append(Dropped(target=target, why=why, service=member.name if member else None))
    return out


def _member(plan: Plan, target: str) -> Member | None:
    """The member a target was built from: its own name, or <member>-<function>."""
    named = [m for m in plan.workspace.members if target == m.name]
    named += [m for m in plan.workspace.members if target.startswith(f"{m.name}-")]
    return named[0] if named else None
