"""Which locked file installs each third-party pin on a Lambda runtime, decided from the wheel
file names in uv.lock: a fitting wheel is installed on the build machine for the target
(uv pip install --python-platform), anything else on the target platform itself."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from uvbake.errors import UvbakeError
from uvbake.runtime import MACHINES
from uvbake.uvlock.lock import RELOCK, LockedFile, LockedPackage, SourceKind

# The manylinux levels uv's --python-platform names (aarch64-manylinux_2_17 ... _2_40).
UV_MANYLINUX = (17, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40)
NO_GLIBC_LIMIT = 99


@dataclass(frozen=True)
class Target:
    """A Lambda runtime: platform, CPython minor version and the glibc of its Amazon Linux."""

    platform: str
    python: str
    glibc: str

    @property
    def machine(self) -> str:
        return MACHINES[self.platform]

    @property
    def glibc_minor(self) -> int:
        return int(self.glibc.split(".")[1])

    @property
    def uv_glibc_minor(self) -> int:
        """The highest manylinux level uv can target that the runtime's glibc still runs."""
        return max(m for m in UV_MANYLINUX if m <= self.glibc_minor)

    @property
    def uv_platform(self) -> str:
        return f"{self.machine}-manylinux_2_{self.uv_glibc_minor}"

    @property
    def label(self) -> str:
        return f"{self.platform}, CPython {self.python}, glibc {self.glibc}"


@dataclass(frozen=True)
class Pin:
    """One third-party package version an image needs, and how it is installed.

    `cross`: a locked wheel fits the target, so the build machine installs it with uv's
    --python-platform and byte-compiles it natively. Otherwise `reason` says why, and it is
    built (`source`: from its sdist, as no wheel runs there) or installed on the target
    platform (under emulation on another machine).
    `files` are the locked files the install step may use (their hashes are required)."""

    name: str
    version: str
    url: str | None
    files: tuple[LockedFile, ...]
    cross: bool
    reason: str
    size: int
    # Built from its sdist on the target platform: no locked wheel runs there.
    source: bool = False

    @property
    def requirement(self) -> str:
        head = f"{self.name} @ {self.url}" if self.url else f"{self.name}=={self.version}"
        hashes = "".join(f" --hash=sha256:{f.sha256}" for f in self.files if f.sha256)
        return head + hashes


@functools.lru_cache(maxsize=64)
def _supported(machine: str, python: str, glibc_minor: int) -> dict[Tag, int]:
    """The wheel tags a manylinux CPython accepts, best first (lower rank is better)."""
    major, minor = (int(part) for part in python.split("."))
    platforms = [f"manylinux_2_{m}_{machine}" for m in range(glibc_minor, 16, -1)]
    platforms.append(f"manylinux2014_{machine}")
    if machine == "x86_64":
        platforms += [f"manylinux_2_{m}_x86_64" for m in range(16, 4, -1)]
        platforms += ["manylinux2010_x86_64", "manylinux1_x86_64"]
    version = (major, minor)
    tags = [
        *cpython_tags(version, abis=[f"cp{major}{minor}"], platforms=platforms),
        *compatible_tags(version, f"cp{major}{minor}", platforms),
    ]
    ranks: dict[Tag, int] = {}
    for rank, tag in enumerate(tags):
        ranks.setdefault(tag, rank)
    return ranks


@functools.lru_cache(maxsize=65536)
def _tags(filename: str) -> frozenset[Tag] | None:
    """A wheel file name's tags; every service of a workspace asks about the same wheels."""
    try:
        return parse_wheel_filename(filename)[3]
    except InvalidWheelFilename:
        return None


def _rank(wheel: LockedFile, supported: dict[Tag, int]) -> int | None:
    tags = _tags(wheel.filename)
    if tags is None:
        return None
    ranks = [supported[t] for t in tags if t in supported]
    return min(ranks) if ranks else None


def fitting(wheels: Iterable[LockedFile], target: Target, *, glibc_minor: int) -> list[LockedFile]:
    """The wheels that install on `target` with glibc 2.`glibc_minor`, best first."""
    supported = _supported(target.machine, target.python, glibc_minor)
    ranked = [(rank, w) for w in wheels if (rank := _rank(w, supported)) is not None]
    return [w for _, w in sorted(ranked, key=lambda item: (item[0], item[1].filename))]


def pin(package: LockedPackage, target: Target, *, glibc_from: str) -> Pin:
    """How `package` installs on `target`. `glibc_from` names where the target's glibc is set,
    for the error when no locked file can install it."""
    url = package.source.get(SourceKind.URL) if package.source_kind == SourceKind.URL else None
    name, version = package.name, package.version or ""
    cross = fitting(package.wheels, target, glibc_minor=target.uv_glibc_minor)
    if cross:
        best = cross[0].size or 0
        return Pin(name, version, url, files=tuple(cross), cross=True, reason="", size=best)
    runs = fitting(package.wheels, target, glibc_minor=target.glibc_minor)
    newer = [
        w for w in fitting(package.wheels, target, glibc_minor=NO_GLIBC_LIMIT) if w not in runs
    ]
    if runs:
        reason = f"its wheel needs a glibc that uv cannot target below {target.glibc}"
    elif newer:
        reason = f"its wheels need a glibc newer than {target.glibc}"
    elif package.wheels:
        reason = f"no wheel for {target.label}"
    else:
        reason = "sdist only"
    if not runs and package.sdist is None:
        if newer:
            raise UvbakeError(
                glibc_from,
                f"wheel {newer[0].filename} of '{package.name}' needs a newer glibc than the "
                f"{target.glibc} set for {target.platform}, and uv.lock has no sdist to build",
                f"raise glibc, or lock a version of '{package.name}' with a wheel for glibc "
                f"{target.glibc}",
            )
        raise UvbakeError(
            "uv.lock",
            f"'{package.name}' {package.version} has no wheel for {target.label} and no sdist",
            f"lock a version of '{package.name}' that publishes one ({RELOCK} after changing it)",
        )
    # On the target platform uv picks among these by itself; never a wheel the runtime's
    # glibc cannot load.
    files = tuple(w for w in package.wheels if w not in newer)
    files += (package.sdist,) if package.sdist is not None else ()
    chosen = runs[0] if runs else package.sdist
    size = chosen.size or 0 if chosen is not None else 0
    return Pin(
        name, version, url, files=files, cross=False, reason=reason, size=size, source=not runs
    )
