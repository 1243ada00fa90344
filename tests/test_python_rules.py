"""The Python rules (uvbake.plan.python): the images' Python against requires-python, packages
built from source on the target platform only when [tool.uvbake] source-builds names them,
and what `uvbake list` says about both."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import (
    Locked,
    build_tree,
    layouts_workspace,
    lock_text,
    root_pyproject,
    seed_lock_packages,
    seed_workspace,
    uvbake,
)

SDIST_ONLY = Locked("orjson", wheels=[], sdist=True)


def _with_orjson(root: Path, orjson: Locked) -> Path:
    packages = [p for p in seed_lock_packages() if p.name != "orjson"] + [orjson]
    build_tree(root, {"uv.lock": lock_text(packages)})
    return root


def _requires(root: Path, old: str, new: str) -> None:
    for path in [root / "uv.lock", *root.glob("services/**/pyproject.toml")]:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(f'requires-python = "{old}"', f'requires-python = "{new}"'))


def test_python_version_310_below_requires_python_311_stops_generate(tmp_path: Path) -> None:
    root = layouts_workspace(tmp_path / "ws")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace('python = "3.13"\n', ""))
    (root / ".python-version").write_text("3.10\n")
    result = uvbake("generate", cwd=root)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        "uvbake: warning: .python-version: Python 3.10 is a deprecated Lambda runtime "
        "(python3.10 since 2026-10-31: no more security patches); move to a supported one, "
        'such as python = "3.14"',
        "uvbake: error: .python-version: Python 3.10 is outside requires-python '>=3.11' of "
        "service 'acme-billing' (services/billing-api/pyproject.toml); write 3.14 in "
        ".python-version, or allow Python 3.10 in requires-python of "
        "services/billing-api/pyproject.toml",
    ]
    assert not (root / "uvbake.Dockerfile").exists()


def test_a_newer_lambda_python_with_a_wheel_is_named(tmp_path: Path) -> None:
    """On Python 3.11 (Amazon Linux 2, glibc 2.26) a manylinux_2_28 wheel does not run; on
    3.12 (glibc 2.34) it does."""
    root = _with_orjson(
        seed_workspace(tmp_path),
        Locked("orjson", wheels=["orjson-1.0.0-cp38-abi3-manylinux_2_28_aarch64.whl"], sdist=True),
    )
    build_tree(root, {"pyproject.toml": root_pyproject(uvbake='python = "3.11"')})
    _requires(root, ">=3.12", ">=3.11")
    result = uvbake("generate", cwd=root)
    assert result.stderr.splitlines() == [
        "uvbake: error: uv.lock: 'orjson' 1.0.0 would be built from source on linux/arm64 for "
        "service 'api': no wheel for linux/arm64, CPython 3.11, glibc 2.26 (its wheels for it "
        'need a newer glibc); move to python = "3.12", whose glibc has a wheel for it, lock an '
        "older 'orjson' that publishes one, or set [tool.uvbake] source-builds = [\"orjson\"] "
        "in pyproject.toml to build it knowingly"
    ]
    assert result.returncode == 1


def test_source_builds_allows_it_and_list_says_built_from_source(tmp_path: Path) -> None:
    root = _with_orjson(seed_workspace(tmp_path), SDIST_ONLY)
    build_tree(
        root,
        {"pyproject.toml": root_pyproject(uvbake='python = "3.13"\nsource-builds = ["orjson"]')},
    )
    generated = uvbake("generate", cwd=root)
    assert (generated.returncode, generated.stderr) == (0, "")
    dockerfile = (root / "uvbake.Dockerfile").read_text(encoding="utf-8")
    assert "# Installed on the target platform: orjson (sdist only).\n" in dockerfile
    listed = uvbake("list", cwd=root).stdout.splitlines()
    assert listed[0] == "python 3.13 (from [tool.uvbake] python); 2 third-party layers"
    assert listed.count("    built from source on linux/arm64: orjson (sdist only)") == 2
    data = json.loads(uvbake("list", "--format", "json", cwd=root).stdout)
    assert [s["emulated"] for s in data["services"]] == [
        [{"name": "orjson", "why": "sdist only", "source": True}]
    ] * 2


def test_a_wheel_installed_on_the_target_is_not_a_source_build(tmp_path: Path) -> None:
    """glibc 2.26 runs a manylinux_2_24 wheel, which uv cannot target from the build machine
    (its levels jump from 2_17 to 2_28): installed on the target platform, not built."""
    root = _with_orjson(
        seed_workspace(tmp_path),
        Locked("orjson", wheels=["orjson-1.0.0-cp313-cp313-manylinux_2_24_aarch64.whl"]),
    )
    build_tree(root, {"pyproject.toml": root_pyproject(uvbake='python = "3.13"\nglibc = "2.26"')})
    listed = uvbake("list", cwd=root)
    assert (listed.returncode, listed.stderr) == (0, "")
    assert (
        "    installed on linux/arm64: orjson (its wheel needs a glibc that uv cannot target "
        "below 2.26)"
    ) in listed.stdout.splitlines()


def test_source_builds_naming_packages_with_wheels_is_a_warning(tmp_path: Path) -> None:
    root = seed_workspace(tmp_path)
    build_tree(
        root,
        {
            "pyproject.toml": root_pyproject(
                uvbake='python = "3.13"\nsource-builds = ["orjson", "Docopt"]'
            )
        },
    )
    result = uvbake("generate", cwd=root)
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "uvbake: warning: pyproject.toml: [tool.uvbake] source-builds names 'docopt', which is "
        "not installed by any service; remove 'docopt' from source-builds",
        "uvbake: warning: pyproject.toml: [tool.uvbake] source-builds names 'orjson', which "
        "has a wheel for every service that installs it; remove 'orjson' from source-builds",
    ]


def test_list_says_where_the_python_comes_from(tmp_path: Path) -> None:
    root = seed_workspace(tmp_path)

    def first_line() -> tuple[str, str]:
        text = uvbake("list", cwd=root).stdout.splitlines()[0]
        data = json.loads(uvbake("list", "--format", "json", cwd=root).stdout)
        return text, f"{data['python']} {data['python_from']}"

    assert first_line() == (
        "python 3.13 (from [tool.uvbake] python); 2 third-party layers",
        "3.13 config",
    )
    build_tree(root, {"pyproject.toml": root_pyproject(uvbake=""), ".python-version": "3.12\n"})
    assert first_line() == (
        "python 3.12 (from .python-version); 2 third-party layers",
        "3.12 .python-version",
    )
    (root / ".python-version").unlink()
    assert first_line() == (
        "python 3.14 (default: the newest Lambda Python requires-python allows); "
        "2 third-party layers",
        "3.14 default",
    )
