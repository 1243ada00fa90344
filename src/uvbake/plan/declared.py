"""Functions the repository declares, as a service ships them: each one's code root as
Lambda loads it, one target per function where there are several, and a declaration that
cannot be built as one error naming where it is wrong."""

from __future__ import annotations

import re
from collections.abc import Sequence

from uvbake.errors import UvbakeError
from uvbake.load.records import Member, Workspace
from uvbake.plan import packages as packages_of
from uvbake.plan.records import Function
from uvbake.scan.declared import DeclaredFunction
from uvbake.scan.tree import Tree


def declared_functions(
    tree: Tree, ws: Workspace, member: Member, declared: Sequence[DeclaredFunction]
) -> tuple[Function, ...]:
    """The functions a member's infrastructure declares and uvbake can build, each shipping
    its code root as Lambda loads it: one keeps the service's own target, several get one
    target each."""
    broken = next((d for d in declared if d.problem is not None and d.handler is not None), None)
    if broken is not None and broken.problem is not None:
        raise _declaration_error(member, broken, broken.problem)
    good = [d for d in declared if d.problem is None and d.handler is not None]
    out = []
    for d in good:
        app = packages_of.ship(tree, d.code_root or ".", members=ws.members)
        for source in app:
            packages_of.check_safe(source.source, where=d.where)
        name = None if len(good) == 1 else d.name
        out.append(Function(name, d.handler or "", app=app, declared=d.where))
    return tuple(out)


def _declaration_error(member: Member, broken: DeclaredFunction, problem: str) -> UvbakeError:
    """A declared function that cannot be built: named where its code is wrong (file:line)
    when that is known, else where it is declared."""
    fix = f"fix the handler or the declaration at {broken.where}"
    if problem.startswith("declares "):
        return UvbakeError(broken.where, problem, "make the declarations agree, or remove one")
    head, sep, rest = problem.partition(": ")
    if sep and re.fullmatch(r"[\w./-]+\.py:\d+", head):
        where, problem = head, rest
    else:
        where = broken.where
    return UvbakeError(
        where,
        f"{problem} (function {broken.declared.name} of '{member.name}', declared at "
        f"{broken.where})",
        fix,
    )
