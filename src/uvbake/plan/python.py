"""The Python rules of a plan, checked once all services are planned:

- the images' Python satisfies requires-python of every workspace member (and path
  dependency) a service installs, the service itself included;
- a third-party package with no locked wheel for a service's runtime, which its image would
  build from the sdist on the target platform (under emulation on another machine, with
  whatever compiler the base image has), is named in [tool.uvbake] source-builds, so that
  it happens knowingly. A name there that no service builds from source is a warning.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from uvbake import runtime
from uvbake.errors import UvbakeError, one_line
from uvbake.load.records import Member, Workspace
from uvbake.plan import wheels
from uvbake.plan.wheels import Pin, Target
from uvbake.uvlock.lock import LockedPackage

if TYPE_CHECKING:
    from uvbake.plan.records import ServicePlan

# Where the images' Python comes from (config.Settings.python_from), in words.
PYTHON_FROM = {
    "pyproject.toml": "from [tool.uvbake] python",
    ".python-version": "from .python-version",
    "uv.lock": "default: the newest Lambda Python requires-python allows",
}


def check(ws: Workspace, services: Sequence[ServicePlan]) -> tuple[str, ...]:
    """Raise a UvbakeError for the first rule a service breaks; return the warnings."""
    for service in services:
        _check_requires_python(ws, service, everyone=services)
    for service in services:
        for pin in service.emulated:
            if pin.source and pin.name not in ws.settings.source_builds:
                raise _source_build(ws, service, pin)
    return _unused_source_builds(ws, services)


def allows(requires_python: str | None, python: str) -> bool:
    """Whether a requires-python specifier allows some release of the minor `python`."""
    if not requires_python:
        return True
    try:
        spec = SpecifierSet(requires_python)
    except InvalidSpecifier:
        return True  # uv names it when it locks
    return spec.contains(f"{python}.0") or spec.contains(f"{python}.99")


def installed(service: ServicePlan) -> tuple[Member, ...]:
    """The members a service's image installs: itself, then its libraries."""
    return (service.member, *service.closure)


def _check_requires_python(
    ws: Workspace, service: ServicePlan, *, everyone: Sequence[ServicePlan]
) -> None:
    python = ws.settings.python
    for member in installed(service):
        if allows(member.requires_python, python):
            continue
        members = [m for s in everyone for m in installed(s)]
        newest = _newest_allowed(members)
        whose = (
            f"of service '{service.name}'"
            if member is service.member
            else f"of '{member.name}', which service '{service.name}' installs"
        )
        where, fix = _python_fix(ws, member, newest)
        source = ws.settings.python_from
        came = "" if where == source else f" ({PYTHON_FROM[source]})"
        raise UvbakeError(
            where,
            f"Python {python}{came} is outside requires-python '{member.requires_python}' "
            f"{whose} ({member.pyproject})",
            fix,
        )


def _newest_allowed(members: Iterable[Member]) -> str | None:
    listed = tuple(members)
    allowed = [p for p in runtime.PYTHONS if all(allows(m.requires_python, p) for m in listed)]
    return allowed[-1] if allowed else None


def _python_fix(ws: Workspace, member: Member, newest: str | None) -> tuple[str, str]:
    """Where to change the Python, and how."""
    python, source = ws.settings.python, ws.settings.python_from
    widen = f"allow Python {python} in requires-python of {member.pyproject}"
    if newest is None:
        return member.pyproject, widen
    if source == ".python-version":
        return source, f"write {newest} in .python-version, or {widen}"
    where = "pyproject.toml" if source == "pyproject.toml" else member.pyproject
    return where, f'set [tool.uvbake] python = "{newest}" in pyproject.toml, or {widen}'


def _source_build(ws: Workspace, service: ServicePlan, pin: Pin) -> UvbakeError:
    target = service.target
    (package,) = ws.lock.pinned([(pin.name, pin.version)])
    newer = _newer_python_with_wheel(package, target)
    python = f'move to python = "{newer}", whose glibc has a wheel for it, ' if newer else ""
    if service.member.settings.glibc or ws.settings.glibc != runtime.glibc(target.python):
        where = service.member.pyproject if service.member.settings.glibc else "pyproject.toml"
        python = f"raise [tool.uvbake] glibc in {where} if the runtime has a newer one, "
    return UvbakeError(
        "uv.lock",
        f"'{pin.name}' {pin.version} would be built from source on {target.platform} for "
        f"service '{service.name}': {_why_no_wheel(package, target)}",
        f"{python}lock an older '{pin.name}' that publishes one, or set [tool.uvbake] "
        f'source-builds = ["{pin.name}"] in pyproject.toml to build it knowingly',
    )


def _why_no_wheel(package: LockedPackage, target: Target) -> str:
    """Why no locked wheel of `package` runs on `target`, with the target named."""
    label = f"no wheel for {target.label}"
    if not package.wheels:
        return f"{label} (uv.lock has its sdist only)"
    anywhere = wheels.fitting(package.wheels, target, glibc_minor=wheels.NO_GLIBC_LIMIT)
    return f"{label} (its wheels for it need a newer glibc)" if anywhere else label


def _newer_python_with_wheel(package: LockedPackage, target: Target) -> str | None:
    """The oldest Lambda Python newer than the target's with a locked wheel that runs on its
    platform and glibc, if any; None also when the target's glibc is set, not the runtime's."""
    if target.glibc != runtime.glibc(target.python):
        return None
    newer = runtime.PYTHONS[runtime.PYTHONS.index(target.python) + 1 :]
    for python in newer:
        newer_target = Target(platform=target.platform, python=python, glibc=runtime.glibc(python))
        if wheels.fitting(package.wheels, newer_target, glibc_minor=newer_target.glibc_minor):
            return python
    return None


def _unused_source_builds(ws: Workspace, services: Sequence[ServicePlan]) -> tuple[str, ...]:
    """A warning for each source-builds name that no service builds from source."""
    built = {p.name for s in services for p in s.emulated if p.source}
    pinned = {p.name for s in services for p in s.pins}
    out = []
    for name in ws.settings.source_builds:
        if name in built:
            continue
        why = (
            "has a wheel for every service that installs it"
            if name in pinned
            else "is not installed by any service"
        )
        out.append(
            one_line(
                "pyproject.toml",
                f"[tool.uvbake] source-builds names '{name}', which {why}",
                f"remove '{name}' from source-builds",
            )
        )
    return tuple(out)
