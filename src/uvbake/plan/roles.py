"""Which members are services, and why.

In order: a member's `service = true/false`; the root project is not a service; library
globs; service globs. When no `services` setting is given and the default globs
(services/*) match no member, a member is a service when it has a Lambda handler (by
convention, or [tool.uvbake] handler/functions) and no other member needs it at run time:
dependents that are only the root project or dev groups do not count.
"""

from __future__ import annotations

from uvbake.load import globs
from uvbake.load.records import Member, Workspace
from uvbake.plan import handlers
from uvbake.plan.records import Role
from uvbake.scan.scanner import Scan

CONVENTIONS = (
    f"def {' or '.join(handlers.FUNCTIONS)}(event, context) in a module named "
    f"{', '.join(handlers.MODULES)}, else in any module it ships"
)


def _by_settings(member: Member, ws: Workspace) -> Role | None:
    flag = member.settings.service
    if flag is not None:
        fix = None if flag else _flag(member)
        return Role(flag, f"[tool.uvbake] service = {str(flag).lower()} in {member.pyproject}", fix)
    if member.is_root:
        return Role(False, "the workspace root is not a service unless it sets service = true")
    path = member.path.as_posix()
    lib = next((g for g in ws.settings.libraries if globs.matches(g, path)), None)
    if lib is not None:
        return Role(False, f"matches library glob {lib!r}", _flag(member))
    svc = next((g for g in ws.settings.services if globs.matches(g, path)), None)
    if svc is not None:
        return Role(True, f"matches service glob {svc!r}")
    return None


def _flag(member: Member) -> str:
    return f"service = true in [tool.uvbake] of {member.pyproject}"


def runtime_dependents(ws: Workspace) -> dict[str, tuple[str, ...]]:
    """{member: the other members (not the root project) that need it at run time}, from
    the lock's dependencies and extras (dev groups are not among them)."""
    names = {m.name for m in ws.members if not m.is_root}
    out: dict[str, set[str]] = {}
    for package in ws.lock.packages:
        member = ws.member(package.name)
        if member is None or member.is_root:
            continue
        edges = [*package.dependencies, *(d for deps in package.optional.values() for d in deps)]
        for dep in edges:
            if dep.name in names and dep.name != package.name:
                out.setdefault(dep.name, set()).add(package.name)
    return {name: tuple(sorted(users)) for name, users in out.items()}


def handler_of(ws: Workspace, member: Member, scanned: Scan) -> tuple[str, ...]:
    """The handlers a member has: its settings, its declarations, the default
    <package>.main.handler, else those found by convention."""
    settings = member.settings
    if settings.functions is not None:
        return tuple(h for _, h in settings.functions)
    if settings.handler is not None:
        return (settings.handler,)
    declared = [d.handler for d in scanned.of(member.name) if d.problem is None and d.handler]
    if declared:
        return tuple(declared)
    default = handlers.legacy(scanned.tree, ws, member)
    if default is not None:
        return (default,)
    return handlers.found(scanned.tree, ws, member).handlers


def _by_declaration(member: Member, scanned: Scan) -> Role | None:
    """A member whose code an infrastructure file declares as a Lambda function."""
    declared = scanned.of(member.name)
    if not declared:
        return None
    where = ", ".join(f"{d.where} ({d.declared.name})" for d in declared)
    return Role(True, f"declared as a Lambda function in {where}")


def _by_convention(
    member: Member, ws: Workspace, dependents: tuple[str, ...], scanned: Scan
) -> Role:
    found = handler_of(ws, member, scanned)
    if not found:
        return Role(
            False,
            f"no Lambda handler found ({CONVENTIONS})",
            f'handler = "package.module.function" in [tool.uvbake] of {member.pyproject}',
        )
    listed = ", ".join(found)
    if len(found) > 1 and member.settings.functions is None:
        return Role(
            False,
            f"{len(found)} Lambda handlers found ({listed}) and no choice",
            f"{handlers.functions_line(found)} in [tool.uvbake] of {member.pyproject}",
        )
    if dependents:
        return Role(
            False,
            f"has handler {listed}, but {', '.join(dependents)} need(s) it at run time",
            _flag(member),
        )
    plural = "s" if len(found) > 1 else ""
    return Role(
        True, f"has Lambda handler{plural} {listed} and no other member needs it at run time"
    )


def roles(ws: Workspace, scanned: Scan) -> dict[str, Role]:
    """Every member's role, by name."""
    out: dict[str, Role] = {}
    undecided = []
    for member in ws.members:
        decided = _by_settings(member, ws)
        by_glob = decided is not None and decided.service and member.settings.service is None
        if decided is None or by_glob or (member.is_root and member.settings.service is None):
            decided = _by_declaration(member, scanned) or decided
        if decided is None:
            undecided.append(member)
        else:
            out[member.name] = decided
    default_hit = any(
        any(globs.matches(g, m.path.as_posix()) for g in ws.settings.services)
        and not any(globs.matches(g, m.path.as_posix()) for g in ws.settings.libraries)
        for m in ws.members
        if not m.is_root
    )
    if ws.settings.services_given or default_hit:
        for member in undecided:
            out[member.name] = Role(False, "matches no service glob", _glob_fix(member))
        return out
    dependents = runtime_dependents(ws) if undecided else {}
    for member in undecided:
        out[member.name] = _by_convention(member, ws, dependents.get(member.name, ()), scanned)
    return out


def _glob_fix(member: Member) -> str:
    return f'"{member.path.as_posix()}" in [tool.uvbake] services of pyproject.toml'


def lambda_like(ws: Workspace, scanned: Scan) -> list[tuple[Member, tuple[str, ...]]]:
    """Members that look like Lambdas (they have a handler), other than the root project and
    those set apart by `service = false` or a library glob."""
    out = []
    for member in ws.members:
        if member.is_root or member.settings.service is False:
            continue
        path = member.path.as_posix()
        if any(globs.matches(g, path) for g in ws.settings.libraries):
            continue
        found = handler_of(ws, member, scanned)
        if found:
            out.append((member, found))
    return out
