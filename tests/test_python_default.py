"""The Python of the images: [tool.uvbake] python, else .python-version, else the newest
Lambda Python that requires-python allows; a deprecated runtime is a warning with its date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from helpers import root_pyproject, seed_workspace, uvbake
from uvbake.load import config
from uvbake.load.workspace import load


def settings(requires: str, *, raw: dict[str, str] | None = None) -> config.Settings:
    return config.settings(raw or {}, python_version_file=None, requires_python=requires)


@pytest.mark.parametrize(
    ("requires", "python"),
    [(">=3.10", "3.14"), (">=3.9,<3.13", "3.12"), ("==3.11.*", "3.11"), ("<3.10", "3.9")],
)
def test_the_newest_lambda_python_requires_python_allows(requires: str, python: str) -> None:
    chosen = settings(requires)
    assert (chosen.python, chosen.python_from) == (python, "uv.lock")


def test_the_setting_and_python_version_still_win(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    (tmp_path / "pyproject.toml").write_text(root_pyproject(uvbake='python = "3.11"'))
    (tmp_path / ".python-version").write_text("3.12\n")
    assert load(tmp_path).settings.python == "3.11"
    (tmp_path / "pyproject.toml").write_text(root_pyproject(uvbake=""))
    assert load(tmp_path).settings.python == "3.12"


def test_deprecation_dates() -> None:
    ten = settings(">=3.10", raw={"python": "3.10"})
    assert config.deprecation(ten, today=date(2026, 10, 30)) is None
    assert config.deprecation(ten, today=date(2026, 10, 31)) == (
        "pyproject.toml: Python 3.10 is a deprecated Lambda runtime (python3.10 since "
        '2026-10-31: no more security patches); move to a supported one, such as python = "3.14"'
    )
    assert config.deprecation(settings(">=3.10"), today=date(2030, 1, 1)) is None


def test_a_configured_deprecated_runtime_is_a_warning(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    for path in [tmp_path / "uv.lock", *tmp_path.glob("services/**/pyproject.toml")]:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace('requires-python = ">=3.12"', 'requires-python = ">=3.9"'))
    (tmp_path / "pyproject.toml").write_text(root_pyproject(uvbake=""))
    (tmp_path / ".python-version").write_text("3.9.18\n")
    result = uvbake("generate", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == (
        "uvbake: warning: .python-version: Python 3.9 is a deprecated Lambda runtime (python3.9 "
        "since 2025-12-15: no more security patches); move to a supported one, such as "
        'python = "3.14"\n'
    )
    assert "public.ecr.aws/lambda/python:3.9" in (tmp_path / "docker-bake.hcl").read_text()
