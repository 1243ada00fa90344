from __future__ import annotations

from pathlib import Path

import pytest

from helpers import build_tree, lock_text, member_lock, pyproject, root_pyproject, seed_workspace
from uvbake.errors import UvbakeError
from uvbake.load.workspace import load


def test_members_follow_globs_and_excludes(tmp_path: Path) -> None:
    ws = load(seed_workspace(tmp_path))
    assert [(m.name, m.path.as_posix()) for m in ws.members] == [
        ("api", "services/api"),
        ("common-log", "services/common/log"),
        ("common-models", "services/common/models"),
        ("worker", "services/worker"),
    ]
    assert ws.settings.python == "3.13"
    assert ws.settings.base_image == "public.ecr.aws/lambda/python:3.13"


def test_names_are_normalised_and_root_sources_count(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {
            "pyproject.toml": root_pyproject(["services/*"], exclude=())
            + "\n[tool.uv.sources]\nCommon_Lib = { workspace = true }\n",
            "uv.lock": lock_text([member_lock("ingestion-worker", "services/ingestion_worker")]),
            "services/ingestion_worker/pyproject.toml": pyproject(
                "Ingestion.Worker", deps=["Common_Lib"]
            ),
        },
    )
    with pytest.raises(UvbakeError) as err:
        load(tmp_path)
    assert err.value.line() == (
        "services/ingestion_worker/pyproject.toml: 'common-lib' has a { workspace = true } "
        "source but is not a workspace member; add its folder to [tool.uv.workspace] members "
        "or drop the source"
    )


def test_python_version_file_and_requires_python(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    (tmp_path / "pyproject.toml").write_text(root_pyproject(uvbake=""))
    assert load(tmp_path).settings.python == "3.14"  # the newest Lambda Python >=3.12 allows
    (tmp_path / ".python-version").write_text("3.12\n")
    assert load(tmp_path).settings.python == "3.12"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda root: (root / "uv.lock").unlink(),
            "uv.lock: file not found; run `uv lock` in the workspace root",
        ),
        (
            lambda root: build_tree(root, {"services/extra/pyproject.toml": pyproject("extra")}),
            "uv.lock: is out of date: it does not list member(s) extra; "
            "run `uv lock` in the workspace root",
        ),
        (
            lambda root: build_tree(root, {"services/empty/README": "x"}),
            "pyproject.toml: workspace member 'services/empty' has no pyproject.toml "
            "(matched by 'services/*'); add \"services/empty\" to [tool.uv.workspace] exclude",
        ),
    ],
)
def test_workspace_errors_name_file_and_fix(tmp_path: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    seed_workspace(tmp_path)
    change(tmp_path)
    with pytest.raises(UvbakeError) as err:
        load(tmp_path)
    assert err.value.line() == message
