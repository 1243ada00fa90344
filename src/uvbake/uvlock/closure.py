"""A package's runtime closure in the lock graph, walked under the markers of one Lambda
target environment (`markers.marker_environment`), as `uv export --no-dev` sees it."""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Container, Iterable

from packaging.markers import InvalidMarker, Marker, UndefinedEnvironmentName

from uvbake.uvlock.lock import Lock, LockedPackage


def _applies(marker: str | None, env: dict[str, str]) -> bool:
    if not marker:
        return True
    return _evaluate(marker, tuple(sorted(env.items())))


@functools.lru_cache(maxsize=4096)
def _evaluate(marker: str, env: tuple[tuple[str, str], ...]) -> bool:
    """A marker's value in an environment; a lock repeats the same markers many times."""
    try:
        return Marker(marker).evaluate(dict(env))
    except (InvalidMarker, UndefinedEnvironmentName):
        return True


def runtime_closure(
    lock: Lock, start: LockedPackage, *, env: dict[str, str]
) -> list[LockedPackage]:
    """Every locked package `start` needs at run time in `env`, as `uv export --no-dev` sees it."""
    seen: dict[tuple[str, str | None], LockedPackage] = {}
    visited: set[tuple[str, str | None, tuple[str, ...]]] = set()
    queue: deque[tuple[LockedPackage, tuple[str, ...]]] = deque([(start, ())])
    while queue:
        package, extras = queue.popleft()
        key = (package.name, package.version, extras)
        if key in visited:
            continue
        visited.add(key)
        seen[(package.name, package.version)] = package
        edges = list(package.dependencies)
        for extra in extras:
            edges.extend(package.optional.get(extra, ()))
        for dep in edges:
            if _applies(dep.marker, env):
                queue.append((lock.resolve(dep), dep.extras))
    return list(seen.values())


def split_packages(
    packages: Iterable[LockedPackage], *, members: Container[str]
) -> tuple[list[str], frozenset[tuple[str, str]]]:
    """Locked packages split into workspace member names and third-party pins."""
    local: list[str] = []
    third: set[tuple[str, str]] = set()
    for package in packages:
        if package.name in members:
            local.append(package.name)
        else:
            third.add((package.name, package.version or ""))
    return local, frozenset(third)


def split_closure(
    lock: Lock, start: LockedPackage, *, env: dict[str, str], members: Container[str]
) -> tuple[list[str], frozenset[tuple[str, str]]]:
    """`start`'s runtime closure split into workspace member names and third-party pins."""
    return split_packages(runtime_closure(lock, start, env=env), members=members)
