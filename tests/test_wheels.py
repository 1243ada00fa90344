"""Which locked file installs a pin on a Lambda runtime, decided from wheel names alone."""

from __future__ import annotations

import pytest

from uvbake.errors import UvbakeError
from uvbake.plan.wheels import Target, pin
from uvbake.uvlock.lock import LockedFile, LockedPackage

ARM_313 = Target(platform="linux/arm64", python="3.13", glibc="2.34")
ARM_311 = Target(platform="linux/arm64", python="3.11", glibc="2.26")
AMD_313 = Target(platform="linux/amd64", python="3.13", glibc="2.34")


def package(*wheels: str, sdist: bool = False, name: str = "pkg") -> LockedPackage:
    return LockedPackage(
        name=name,
        version="1.0",
        source={"registry": "https://pypi.org/simple"},
        dependencies=(),
        optional={},
        wheels=tuple(LockedFile(w, f"{n:064x}", 100 + n) for n, w in enumerate(wheels)),
        sdist=LockedFile("pkg-1.0.tar.gz", "f" * 64, 50) if sdist else None,
    )


def files(found: object) -> list[str]:
    return [f.filename for f in found.files]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("wheels", "target", "expected"),
    [
        (["pkg-1.0-py3-none-any.whl"], ARM_313, ["pkg-1.0-py3-none-any.whl"]),
        (["pkg-1.0-py2.py3-none-any.whl"], ARM_311, ["pkg-1.0-py2.py3-none-any.whl"]),
        (
            ["pkg-1.0-cp39-abi3-manylinux_2_17_aarch64.manylinux2014_aarch64.whl"],
            ARM_313,
            ["pkg-1.0-cp39-abi3-manylinux_2_17_aarch64.manylinux2014_aarch64.whl"],
        ),
        (
            [
                "pkg-1.0-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                "pkg-1.0-cp313-cp313-manylinux_2_28_aarch64.whl",
                "pkg-1.0-cp312-cp312-manylinux_2_28_aarch64.whl",
                "pkg-1.0-cp313-cp313-musllinux_1_2_aarch64.whl",
                "pkg-1.0-cp313-cp313-macosx_11_0_arm64.whl",
            ],
            ARM_313,
            ["pkg-1.0-cp313-cp313-manylinux_2_28_aarch64.whl"],
        ),
        (
            [
                "pkg-1.0-py3-none-any.whl",
                "pkg-1.0-cp313-cp313-manylinux2014_aarch64.whl",
                "pkg-1.0-cp38-abi3-manylinux2014_aarch64.whl",
            ],
            ARM_313,
            # best first, as uv ranks them: the interpreter's own ABI, then abi3, then pure
            [
                "pkg-1.0-cp313-cp313-manylinux2014_aarch64.whl",
                "pkg-1.0-cp38-abi3-manylinux2014_aarch64.whl",
                "pkg-1.0-py3-none-any.whl",
            ],
        ),
        (
            ["pkg-1.0-cp313-cp313-manylinux_2_5_x86_64.manylinux1_x86_64.whl"],
            AMD_313,
            ["pkg-1.0-cp313-cp313-manylinux_2_5_x86_64.manylinux1_x86_64.whl"],
        ),
    ],
)
def test_a_fitting_wheel_is_cross_installed(
    wheels: list[str], target: Target, expected: list[str]
) -> None:
    found = pin(package(*wheels, sdist=True), target, glibc_from="pyproject.toml")
    assert (found.cross, found.reason, files(found)) == (True, "", expected)
    assert found.size == 100 + wheels.index(expected[0])


def test_uv_is_told_the_target_and_a_glibc_it_knows() -> None:
    assert ARM_313.uv_platform == "aarch64-manylinux_2_34"
    # uv names no manylinux_2_26 platform: Amazon Linux 2 is targeted as 2.17
    assert ARM_311.uv_platform == "aarch64-manylinux_2_17"
    assert AMD_313.uv_platform == "x86_64-manylinux_2_34"


@pytest.mark.parametrize(
    ("wheels", "target", "reason", "kept"),
    [
        ([], ARM_313, "sdist only", []),
        (
            ["pkg-1.0-cp313-cp313-manylinux_2_17_x86_64.whl"],
            ARM_313,
            "no wheel for linux/arm64, CPython 3.13, glibc 2.34",
            ["pkg-1.0-cp313-cp313-manylinux_2_17_x86_64.whl"],
        ),
        (
            ["pkg-1.0-cp311-cp311-manylinux_2_28_aarch64.whl"],
            ARM_311,
            "its wheels need a glibc newer than 2.26",
            [],  # never a wheel the runtime cannot load
        ),
        (
            ["pkg-1.0-cp311-cp311-manylinux_2_24_aarch64.whl"],
            ARM_311,
            "its wheel needs a glibc that uv cannot target below 2.26",
            ["pkg-1.0-cp311-cp311-manylinux_2_24_aarch64.whl"],
        ),
        (
            ["pkg-1.0-cp313-cp313-linux_aarch64.whl"],
            ARM_313,
            "no wheel for linux/arm64, CPython 3.13, glibc 2.34",
            ["pkg-1.0-cp313-cp313-linux_aarch64.whl"],
        ),
    ],
)
def test_without_a_fitting_wheel_it_is_built_on_the_target(
    wheels: list[str], target: Target, reason: str, kept: list[str]
) -> None:
    found = pin(package(*wheels, sdist=True), target, glibc_from="pyproject.toml")
    assert (found.cross, found.reason) == (False, reason)
    assert files(found) == [*kept, "pkg-1.0.tar.gz"]
    assert found.requirement.startswith("pkg==1.0 --hash=sha256:")
    assert found.requirement.endswith(" --hash=sha256:" + "f" * 64)


def test_a_runnable_wheel_uv_cannot_target_needs_no_sdist() -> None:
    found = pin(
        package("pkg-1.0-cp311-cp311-manylinux_2_24_aarch64.whl"),
        ARM_311,
        glibc_from="pyproject.toml",
    )
    assert (found.cross, files(found)) == (
        False,
        ["pkg-1.0-cp311-cp311-manylinux_2_24_aarch64.whl"],
    )


def test_no_wheel_and_no_sdist_is_one_line() -> None:
    with pytest.raises(UvbakeError) as caught:
        pin(package("pkg-1.0-cp313-cp313-win_amd64.whl"), ARM_313, glibc_from="pyproject.toml")
    assert caught.value.line() == (
        "uv.lock: 'pkg' 1.0 has no wheel for linux/arm64, CPython 3.13, glibc 2.34 and no "
        "sdist; lock a version of 'pkg' that publishes one (run `uv lock` in the workspace "
        "root after changing it)"
    )


def test_a_glibc_below_the_only_wheel_names_the_wheel() -> None:
    low = Target(platform="linux/arm64", python="3.13", glibc="2.17")
    with pytest.raises(UvbakeError) as caught:
        pin(
            package("pkg-1.0-cp313-cp313-manylinux_2_28_aarch64.whl"),
            low,
            glibc_from="services/api/pyproject.toml",
        )
    assert caught.value.line() == (
        "services/api/pyproject.toml: wheel pkg-1.0-cp313-cp313-manylinux_2_28_aarch64.whl of "
        "'pkg' needs a newer glibc than the 2.17 set for linux/arm64, and uv.lock has no sdist "
        "to build; raise glibc, or lock a version of 'pkg' with a wheel for glibc 2.17"
    )


def test_a_url_pin_is_installed_by_its_url() -> None:
    url = "https://example.invalid/pkg-1.0-py3-none-any.whl"
    locked = LockedPackage(
        name="pkg",
        version="1.0",
        source={"url": url},
        dependencies=(),
        optional={},
        wheels=(LockedFile("pkg-1.0-py3-none-any.whl", "a" * 64),),
    )
    found = pin(locked, ARM_313, glibc_from="pyproject.toml")
    assert found.requirement == f"pkg @ {url} --hash=sha256:{'a' * 64}"
