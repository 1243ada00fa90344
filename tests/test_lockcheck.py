"""uvbake's offline stale-lock check agrees with `uv lock --check --offline`: a workspace is
locked with the real uv, edited one way at a time, and both must say "stale" for the same
edits, and "fresh" for the edits uv does not care about (nor for no edit at all)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import HANDLER, HATCHLING, build_tree, layouts_workspace, snapshot, uvbake, wheel
from uvbake.errors import UvbakeError
from uvbake.load.workspace import load

Edit = Callable[[Path], object]
API = "services/api/pyproject.toml"
LIB = "libs/log/pyproject.toml"
ROOT = "pyproject.toml"


def base(root: Path) -> Path:
    for name in ("httpx", "idna", "orjson", "pytest", "boto3", "rich", "tomli", "ruff"):
        for version in ("1.0", "2.0"):
            wheel(root / "wheels", name, version)
    wheel(root / "extra", "acme-internal", "1.0")
    build = """
                [build-system]
                requires = ["hatchling"]
                build-backend = "hatchling.build"
    """
    return build_tree(
        root,
        {
            ROOT: """
                [project]
                name = "root"
                version = "0.1.0"
                requires-python = ">=3.10"

                [tool.uv]
                package = false

                [tool.uv.workspace]
                members = ["services/*", "libs/*"]

                [tool.uv.sources]
                common-log = { workspace = true }
                acme-internal = { index = "internal" }

                [[tool.uv.index]]
                name = "internal"
                url = "extra"
                format = "flat"
                explicit = true

                [dependency-groups]
                dev = ["pytest>=1"]
            """,
            API: """
                [project]
                name = "api"
                version = "0.1.0"
                requires-python = ">=3.10"
                dependencies = [
                    "httpx>=1.0,<3",
                    "Common_Log",
                    "tomli; python_version < '3.11'",
                    "rich[fancy]>=1",
                    "acme-internal",
                ]

                [project.optional-dependencies]
                aws = ["boto3>=1"]
                all = ["api[aws]"]

                [dependency-groups]
                test = ["pytest", {include-group = "lint"}]
                lint = ["ruff"]
            """
            + build,
            "services/api/src/api/__init__.py": "",
            "services/api/src/api/main.py": HANDLER,
            "vendored/thing/pyproject.toml": '[project]\nname = "thing"\nversion = "1.0"\n'
            + HATCHLING,
            "vendored/thing/src/thing/__init__.py": "",
            LIB: """
                [project]
                name = "common-log"
                version = "0.2.0"
                dependencies = ["orjson", "thing"]

                [tool.uv.sources]
                thing = { path = "../../vendored/thing", editable = true }
            """,
        },
    )


def uv(root: Path, cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    from uv import find_uv_bin

    env = {k: v for k, v in os.environ.items() if not k.startswith("UV_")}
    env.update(UV_CACHE_DIR=str(cache), UV_PYTHON_DOWNLOADS="never")
    argv = [find_uv_bin(), "lock", "--offline", "--quiet", "--python", sys.executable]
    return subprocess.run(
        [*argv, "--find-links", "wheels", *args], cwd=root, env=env, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("uv-cache")


def locked(root: Path, cache: Path) -> Path:
    """The base workspace at `root`, locked by uv (whose lock names the flat index by its
    absolute path, so each case locks its own copy)."""
    base(root)
    done = uv(root, cache)
    assert done.returncode == 0, done.stderr
    return root


def edit(rel: str, old: str, new: str) -> Edit:
    def change(root: Path) -> None:
        text = (root / rel).read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {rel}"
        (root / rel).write_text(text.replace(old, new, 1), encoding="utf-8")

    return change


def add_member(root: Path) -> None:
    build_tree(root, {"services/new/pyproject.toml": '[project]\nname = "new"\nversion = "1"\n'})


STALE: dict[str, Edit] = {
    "add-a-dependency": edit(API, '"acme-internal",', '"acme-internal", "orjson",'),
    "remove-a-dependency": edit(API, '"httpx>=1.0,<3",', ""),
    "change-a-bound": edit(API, "httpx>=1.0,<3", "httpx>=2.0,<3"),
    "add-a-marker": edit(API, '"acme-internal",', "\"acme-internal; sys_platform == 'linux'\","),
    "add-an-extra-to-a-dependency": edit(API, "rich[fancy]", "rich[fancy,more]"),
    "add-a-member": add_member,
    "remove-a-member": edit(ROOT, 'members = ["services/*", "libs/*"]', 'members = ["libs/*"]'),
    "change-a-source": edit(LIB, "editable = true", "editable = false"),
    "add-a-source": edit(
        LIB, "[tool.uv.sources]\n", '[tool.uv.sources]\norjson = { index = "internal" }\n'
    ),
    "drop-an-index-source": edit(ROOT, 'acme-internal = { index = "internal" }\n', ""),
    "add-an-optional-dependency": edit(API, 'aws = ["boto3>=1"]', 'aws = ["boto3>=1", "orjson"]'),
    "add-an-extra": edit(API, 'aws = ["boto3>=1"]', 'aws = ["boto3>=1"]\nfast = []'),
    "change-a-group": edit(API, 'lint = ["ruff"]', 'lint = ["ruff>=2"]'),
    "add-a-group": edit(API, 'lint = ["ruff"]', 'lint = ["ruff"]\ndocs = ["rich"]'),
    "change-a-root-group": edit(ROOT, 'dev = ["pytest>=1"]', 'dev = ["pytest>=2"]'),
    "change-requires-python": edit(API, 'requires-python = ">=3.10"', 'requires-python = ">=3.11"'),
    "add-an-override": edit(
        ROOT, "[tool.uv]\n", '[tool.uv]\noverride-dependencies = ["orjson>=1"]\n'
    ),
    "bump-a-member-version": edit(LIB, 'version = "0.2.0"', 'version = "0.3.0"'),
    "make-a-member-virtual": edit(
        API, "[build-system]", "[tool.uv]\npackage = false\n\n[build-system]"
    ),
}

FRESH: dict[str, Edit] = {
    "no-edit": lambda root: None,
    "reorder-dependencies": edit(
        API, '"httpx>=1.0,<3",\n    "Common_Log",', '"Common_Log",\n    "httpx>=1.0,<3",'
    ),
    "respell-a-bound": edit(API, "httpx>=1.0,<3", "httpx <3, >= 1.0"),
    "respell-a-marker": edit(API, "python_version < '3.11'", "python_full_version<'3.11'"),
    "respell-a-name": edit(API, '"Common_Log"', '"common.log"'),
    "respell-an-extra": edit(API, "aws = [", "AWS = ["),
    "reorder-groups": edit(
        API,
        'test = ["pytest", {include-group = "lint"}]',
        'test = [{include-group = "lint"}, "pytest"]',
    ),
    # uv 0.13's `uv lock --check` does not compare constraint-dependencies
    "add-a-constraint": edit(
        ROOT, "[tool.uv]\n", '[tool.uv]\nconstraint-dependencies = ["idna<3"]\n'
    ),
    "add-a-comment": edit(API, "dependencies = [", "# runtime\ndependencies = ["),
    "loosen-a-member-requires-python": edit(
        API, 'requires-python = ">=3.10"', 'requires-python = ">=3.9"'
    ),
    "add-a-uvbake-setting": edit(
        API, "[dependency-groups]", "[tool.uvbake]\nservice = true\n\n[dependency-groups]"
    ),
}


def uv_says_stale(root: Path, cache: Path) -> bool:
    done = uv(root, cache, "--check")
    # stale: the lock "needs to be updated", or updating it needs a resolution offline refuses
    stale = ("needs to be updated", "network was disabled")
    assert done.returncode == 0 or any(s in done.stderr for s in stale), done.stderr
    return done.returncode != 0


def uvbake_says_stale(root: Path) -> bool:
    try:
        load(root)
    except UvbakeError as error:
        assert error.line().startswith("uv.lock: is out of date: "), error.line()
        assert error.line().endswith("; run `uv lock` in the workspace root")
        return True
    return False


@pytest.mark.parametrize(
    ("edit", "stale"),
    [(e, True) for e in STALE.values()] + [(e, False) for e in FRESH.values()],
    ids=[*STALE, *FRESH],
)
def test_agrees_with_uv_lock_check(cache: Path, tmp_path: Path, edit: Edit, stale: bool) -> None:
    root = locked(tmp_path / "ws", cache)
    edit(root)
    assert uv_says_stale(root, cache) is stale
    assert uvbake_says_stale(root) is stale


def test_generate_check_fails_on_a_stale_real_lock(tmp_path: Path) -> None:
    root = layouts_workspace(tmp_path)
    assert uvbake("generate", cwd=root).returncode == 0
    assert uvbake("generate", "--check", cwd=root).returncode == 0
    edit("libs/text/pyproject.toml", '"attrs>=23"', '"attrs>=24"')(root)
    before = snapshot(root)
    result = uvbake("generate", "--check", cwd=root)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "uvbake: error: uv.lock: is out of date: libs/text/pyproject.toml declares attrs>=24 "
        "where uv.lock has attrs>=23; run `uv lock` in the workspace root\n"
    )
    assert snapshot(root) == before


def without_root_project(root: Path) -> None:
    text = (root / ROOT).read_text(encoding="utf-8")
    tail = text.split("[tool.uv]\n", 1)[1]
    (root / ROOT).write_text("[tool.uv]\n" + tail, encoding="utf-8")


@pytest.mark.parametrize(
    ("edit", "stale"),
    [
        (lambda root: None, False),
        (edit(ROOT, 'dev = ["pytest>=1"]', 'dev = ["pytest>=2"]'), True),
        (edit(ROOT, 'dev = ["pytest>=1"]', 'dev = ["pytest>=1"]\ndocs = ["rich"]'), True),
        (edit(ROOT, 'dev = ["pytest>=1"]', 'dev = [ "pytest >= 1" ]'), False),
    ],
    ids=["no-edit", "change-a-group", "add-a-group", "respell-a-group"],
)
def test_a_root_without_project_keeps_its_groups_in_the_manifest(
    cache: Path, tmp_path: Path, edit: Edit, stale: bool
) -> None:
    root = base(tmp_path / "ws")
    without_root_project(root)
    done = uv(root, cache)
    assert done.returncode == 0, done.stderr
    assert "dependency-groups" in (root / "uv.lock").read_text()
    edit(root)
    assert uv_says_stale(root, cache) is stale
    assert uvbake_says_stale(root) is stale


def test_dependencies_a_build_computes_are_not_compared(tmp_path: Path) -> None:
    root = layouts_workspace(tmp_path)
    edit("libs/text/pyproject.toml", 'dependencies = ["attrs>=23"]', 'dynamic = ["dependencies"]')(
        root
    )
    assert uvbake_says_stale(root) is False


def test_a_member_absent_from_the_checkout_may_narrow_requires_python(tmp_path: Path) -> None:
    """Generated code locked by uv and not checked out: its requires-python is unknown, so a
    lock that allows less than the members present ask is fresh, and one that allows more is
    not."""
    from helpers import uv_lock
    from test_layouts_load import generated

    root = generated(tmp_path / "ws", api_needs_it=False)
    edit("generated/client/pyproject.toml", '">=3.10"', '">=3.11"')(root)
    uv_lock(root, cache=tmp_path / "uv-cache")
    assert 'requires-python = ">=3.11"' in (root / "uv.lock").read_text()
    shutil.rmtree(root / "generated")
    assert uvbake_says_stale(root) is False
    edit("services/api/pyproject.toml", '">=3.10"', '">=3.9"')(root)
    assert uvbake_says_stale(root) is False  # the lock allows less: the absent one may ask it
    edit("services/api/pyproject.toml", '">=3.9"', '">=3.12"')(root)
    assert uvbake_says_stale(root) is True  # it allows 3.11, which api no longer does
