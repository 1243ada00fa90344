"""PEP 508 marker environments: the one builder of the values a marker is evaluated against,
for a Lambda runtime (`marker_environment`) and for the grid of interpreters and platforms
over which two markers are compared (`entries.environments`)."""

from __future__ import annotations

# (sys_platform, platform_system, os_name, platform_machine) of a platform.
Platform = tuple[str, str, str, str]
# (implementation_name, platform_python_implementation).
Implementation = tuple[str, str]

CPYTHON: Implementation = ("cpython", "CPython")


def linux(machine: str) -> Platform:
    return ("linux", "Linux", "posix", machine)


def environment(
    *, python: str, platform: Platform, implementation: Implementation = CPYTHON, extra: str = ""
) -> dict[str, str]:
    """The marker values of `implementation` at version `python` (a full version: 3.13.0) on
    `platform`, installing `extra` ("" for none)."""
    sys_platform, system, os_name, machine = platform
    return {
        "implementation_name": implementation[0],
        "implementation_version": python,
        "os_name": os_name,
        "platform_machine": machine,
        "platform_python_implementation": implementation[1],
        "platform_release": "",
        "platform_system": system,
        "platform_version": "",
        "python_full_version": python,
        "python_version": ".".join(python.split(".")[:2]),
        "sys_platform": sys_platform,
        "extra": extra,
    }


def marker_environment(*, machine: str, python: str) -> dict[str, str]:
    """The marker values of a Lambda runtime: Linux on `machine`, CPython `python` (3.13)."""
    return environment(python=f"{python}.0", platform=linux(machine))
