"""`uvbake check` on copies of the example workspace and on small built workspaces."""

from __future__ import annotations

import os
import shutil
import sys
import venv
from pathlib import Path

import pytest

from helpers import (
    HANDLER,
    build_tree,
    lock_text,
    member_lock,
    pyproject,
    root_pyproject,
    snapshot,
    uvbake,
)
from helpers import seed_workspace as seed

EXAMPLE = Path(__file__).parent.parent / "examples" / "lambda-monorepo"
ORDERS = "services/orders/src/orders/main.py"
NO_UV = {"PATH": ""}  # uv is not on PATH, so check skips the lock check


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "ws"))


def insert(path: Path, line: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(line - 1, text)
    path.write_text("".join(lines), encoding="utf-8")


def test_example_is_clean(example: Path) -> None:
    # uv, a test dependency, is beside this Python: the lock is checked with it too
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    result = uvbake("check", cwd=example, env={"PATH": path})
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "",
        "uvbake: checked the imports of 3 services, the generated files, uv.lock "
        "(uv lock --check): no findings\n",
    )


def test_undeclared_third_party_import(example: Path) -> None:
    insert(example / ORDERS, 3, "import yaml\n")
    before = snapshot(example)
    result = uvbake("check", cwd=example)
    assert result.stdout.splitlines() == [
        "services/orders/src/orders/main.py:3: service 'orders' imports 'yaml' (distribution "
        'pyyaml) but does not declare it; add "pyyaml" to [project] dependencies of '
        "services/orders/pyproject.toml"
    ]
    assert (result.returncode, result.stderr) == (1, "")
    assert snapshot(example) == before


def test_a_dependency_of_another_service_is_not_declared(example: Path) -> None:
    # jinja2 is locked (notifications uses it) but orders does not depend on it
    insert(example / ORDERS, 3, "from jinja2 import Template\n")
    result = uvbake("check", cwd=example, env=NO_UV)
    assert result.stdout.splitlines() == [
        "services/orders/src/orders/main.py:3: service 'orders' imports 'jinja2' (distribution "
        'jinja2) but does not declare it; add "jinja2" to [project] dependencies of '
        "services/orders/pyproject.toml"
    ]


def test_undeclared_workspace_member_import(example: Path) -> None:
    insert(
        example / "services/ingestion_worker/src/ingestion_worker/main.py",
        4,
        "from common_models import Order\n",
    )
    result = uvbake("check", cwd=example, env=NO_UV)
    assert result.stdout.splitlines() == [
        "services/ingestion_worker/src/ingestion_worker/main.py:4: service 'ingestion-worker' "
        "imports 'common_models' (workspace member common-models) but does not declare it; "
        'add "common-models" to [project] dependencies of services/ingestion_worker/'
        "pyproject.toml with a { workspace = true } source"
    ]
    assert result.returncode == 1


def test_library_import_is_reported_once_against_the_library(example: Path) -> None:
    # common-logging is in every service's closure; only notifications has jinja2
    insert(example / "services/common/logging/src/common_logging/__init__.py", 5, "import jinja2\n")
    result = uvbake("check", cwd=example, env=NO_UV)
    assert result.stdout.splitlines() == [
        "services/common/logging/src/common_logging/__init__.py:5: library 'common-logging' "
        "(in service 'ingestion-worker') imports 'jinja2' (distribution jinja2) but does not "
        'declare it; add "jinja2" to [project] dependencies of '
        "services/common/logging/pyproject.toml"
    ]


def test_stdlib_relative_own_and_optional_imports_do_not_count(example: Path) -> None:
    insert(
        example / ORDERS,
        3,
        "import json, os.path\n"
        "from typing import TYPE_CHECKING\n"
        "from . import main as _self\n"
        "from orders import main as _again\n"
        "from common_logging import get_logger\n"
        "if TYPE_CHECKING:\n"
        "    import yaml\n"
        "try:\n"
        "    import ujson\n"
        "except ImportError:\n"
        "    ujson = None\n",
    )
    result = uvbake("check", cwd=example, env=NO_UV)
    assert (result.returncode, result.stdout) == (0, ""), result.stdout


def test_distributions_come_from_the_workspace_venv(example: Path) -> None:
    """The import name `toolbox` belongs to the distribution Acme.Toolbox in .venv only."""
    venv.EnvBuilder(with_pip=False).create(example / ".venv")
    site = next((example / ".venv/lib").glob("python*/site-packages"))
    build_tree(
        site,
        {
            "acme_toolbox-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: Acme.Toolbox\n"
            "Version: 1.0\n",
            "acme_toolbox-1.0.dist-info/top_level.txt": "toolbox\n",
            "toolbox/__init__.py": "",
        },
    )
    insert(example / ORDERS, 3, "import toolbox\n")
    result = uvbake("check", cwd=example, env=NO_UV)
    assert result.stdout.splitlines() == [
        "services/orders/src/orders/main.py:3: service 'orders' imports 'toolbox' (distribution "
        'acme-toolbox) but does not declare it; add "acme-toolbox" to [project] dependencies '
        "of services/orders/pyproject.toml"
    ]


def test_stale_and_missing_generated_files(example: Path) -> None:
    (example / "uvbake.Dockerfile.dockerignore").unlink()
    orders = example / "services/orders/pyproject.toml"
    orders.write_text(orders.read_text().replace("Prices and accepts", "Prices and takes"))
    result = uvbake("check", cwd=example, env=NO_UV)
    assert result.stdout.splitlines() == [
        "docker-bake.hcl: is stale; run `uvbake generate`",
        "uvbake.Dockerfile.dockerignore: is missing; run `uvbake generate`",
    ]
    assert not (example / "uvbake.Dockerfile.dockerignore").exists()


def test_stale_lock_without_uv(example: Path) -> None:
    pyproject_path = example / "services/notifications/pyproject.toml"
    text = pyproject_path.read_text()
    pyproject_path.write_text(text.replace('"common-models", "jinja2>=3.1"', '"common-models"'))
    result = uvbake("check", cwd=example, env=NO_UV)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "uvbake: error: uv.lock: is out of date: services/notifications/pyproject.toml "
        "declares nothing where uv.lock has jinja2>=3.1; run `uv lock` in the workspace root\n"
    )


def _generated(root: Path) -> Path:
    assert uvbake("generate", cwd=root).returncode == 0
    return root


def test_explicit_handler_that_does_not_exist(tmp_path: Path) -> None:
    """An explicit handler is checked when the plan is made: generate and check both stop."""
    seed(tmp_path)
    _generated(tmp_path)
    with (tmp_path / "services/api/pyproject.toml").open("a") as handle:
        handle.write('\n[tool.uvbake]\nhandler = "api.main.nope"\n')
    message = (
        "uvbake: error: services/api/src/api/main.py: does not define 'nope', and it is the "
        "handler of service 'api'; define def nope(event, context) or fix [tool.uvbake] "
        "handler in services/api/pyproject.toml"
    )
    for command in ("generate", "check"):
        result = uvbake(command, cwd=tmp_path, env=NO_UV)
        assert (result.returncode, result.stdout, result.stderr) == (1, "", message + "\n")


def _services(root: Path, *names: str) -> Path:
    files: dict[str, str | bytes] = {
        "pyproject.toml": root_pyproject(["services/*"], exclude=()),
        "uv.lock": lock_text([member_lock(n, f"services/{n}") for n in names]),
    }
    for name in names:
        package = name.replace("-", "_")
        files[f"services/{name}/pyproject.toml"] = pyproject(name)
        files[f"services/{name}/src/{package}/main.py"] = HANDLER
    return build_tree(root, files)


CONFLICTS = [
    "services/default/pyproject.toml: service name 'default' is also the name of the bake "
    'group "default"; rename the project in [project] name',
    "services/docker-metadata-action-api/pyproject.toml: service name "
    "'docker-metadata-action-api' is also the name of the bake target "
    "\"docker-metadata-action-api\" of service 'api'; rename the project in [project] name",
]


def test_service_names_that_collide_with_bake_names(tmp_path: Path) -> None:
    root = _services(tmp_path, "default", "api", "docker-metadata-action-api")
    result = uvbake("check", cwd=root, env=NO_UV)
    assert result.stdout.splitlines() == CONFLICTS
    assert result.returncode == 1


def test_generate_stops_at_a_name_that_collides(tmp_path: Path) -> None:
    root = _services(tmp_path, "default", "api", "docker-metadata-action-api")
    result = uvbake("generate", cwd=root, env=NO_UV)
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        f"uvbake: error: {CONFLICTS[0]}\n",
    )
    assert not (root / "docker-bake.hcl").exists()


def test_bad_input_is_the_same_one_line_error(tmp_path: Path) -> None:
    seed(tmp_path)
    (tmp_path / "uv.lock").unlink()
    result = uvbake("check", cwd=tmp_path, env=NO_UV)
    assert result.stderr == (
        "uvbake: error: uv.lock: file not found; run `uv lock` in the workspace root\n"
    )
    assert (result.returncode, result.stdout) == (1, "")


def test_pre_commit_hooks() -> None:
    import yaml

    hooks = yaml.safe_load((Path(__file__).parent.parent / ".pre-commit-hooks.yaml").read_text())
    assert [(h["id"], h["entry"], h["language"], h["pass_filenames"]) for h in hooks] == [
        ("uvbake-check", "uvbake check", "python", False),
        ("uvbake-generate", "uvbake generate --check", "python", False),
    ]
