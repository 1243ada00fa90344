"""One glob semantics for members, services and libraries: uv's, checked against `uv lock`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tomllib

from helpers import build_tree, uv_lock
from uvbake.load import globs
from uvbake.load.workspace import load
from uvbake.plan import roles
from uvbake.scan.scanner import scan

FOLDERS = (
    "services",
    "services/a",
    "services/b",
    "services/c",
    "services/ab",
    "services/a/deep",
    "services/.hidden",
    "teams/x/lambdas/api",
)


def _tree(root: Path, members: list[str], exclude: list[str]) -> Path:
    files = {
        f"{folder}/pyproject.toml": (
            f'[project]\nname = "{folder.replace("/", "-").replace(".", "")}"\n'
            'version = "0.1.0"\nrequires-python = ">=3.11"\n'
        )
        for folder in FOLDERS
    }
    files["wheels/.keep"] = ""
    files["pyproject.toml"] = (
        '[project]\nname = "root"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        f"[tool.uv.workspace]\nmembers = {json.dumps(members)}\nexclude = {json.dumps(exclude)}\n"
        '[tool.uvbake]\npython = "3.13"\n'
    )
    return build_tree(root, files)


def _uv_members(lock: str) -> set[str]:
    data = tomllib.loads(lock)
    manifest = data.get("manifest", {}).get("members")
    return set(manifest) if manifest else {p["name"] for p in data["package"]}


@pytest.mark.parametrize(
    ("members", "exclude"),
    [
        (["services/*"], []),
        (["services/[ab]"], []),
        (["services/[!a]*"], []),
        (["services/?"], []),
        (["services/**"], []),
        (["services", "services/**"], ["services/**"]),
        (["services/**/deep"], []),
        (["**"], ["teams", "teams/**", "wheels"]),
        (["services/*"], ["services/a*"]),
        (["services/*", "services/a/*"], ["services/a"]),
        (["services/*"], ["services/.*"]),
        (["services/*"], ["*/b"]),
        (["services/*"], ["services/[!a]"]),
        (["teams/*/lambdas/*", "services/a/"], []),
    ],
)
def test_members_agree_with_uv_lock(tmp_path: Path, members: list[str], exclude: list[str]) -> None:
    root = _tree(tmp_path / "ws", members, exclude)
    expected = _uv_members(uv_lock(root, cache=tmp_path / "cache"))
    assert {m.name for m in load(root).members} == expected


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("services/*", "services/api", True),
        ("services/*", "services/common/log", False),
        ("services/**", "services/common/log", True),
        ("services/**", "services", False),
        ("teams/**/api", "teams/x/api", True),
        ("teams/**/api", "teams/api", True),
        ("**/api", "api", True),
        ("services/[ab]", "services/a", True),
        ("services/[ab]", "services/c", False),
        ("services/[!a]", "services/a", False),
        ("services/?", "services/ab", False),
        ("services/*/", "services/a", True),
    ],
)
def test_matches(pattern: str, path: str, expected: bool) -> None:
    assert globs.matches(pattern, path) is expected


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("services/a*", "services/a/deep", True),
        ("services/a", "services/a/deep", False),
        ("services/**", "services", False),
        ("*/b", "services/b", True),
        ("services/[!a]", "services/b", True),
    ],
)
def test_excludes(pattern: str, path: str, expected: bool) -> None:
    assert globs.excludes(pattern, path) is expected


def test_the_same_glob_picks_the_same_services_as_the_same_members(tmp_path: Path) -> None:
    root = _tree(tmp_path / "ws", ["services/[ab]", "services/c"], [])
    uv_lock(root, cache=tmp_path / "cache")
    text = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(
        text.replace('python = "3.13"', 'services = ["services/[ab]"]\npython = "3.13"')
    )

    ws = load(root)
    found = roles.roles(ws, scan(ws))
    services = {m.path.as_posix() for m in ws.members if found[m.name].service}
    assert services == {"services/a", "services/b"}
