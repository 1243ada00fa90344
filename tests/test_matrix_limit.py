"""GitHub Actions runs at most 256 jobs from one matrix: more is an error that says --shards."""

from __future__ import annotations

import json
from pathlib import Path

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


def services(root: Path, count: int) -> Path:
    files = {"pyproject.toml": root_pyproject(["services/*"], exclude=())}
    packages = []
    for n in range(count):
        name = f"svc-{n:03}"
        files[f"services/{name}/pyproject.toml"] = pyproject(name)
        files[f"services/{name}/src/svc_{n:03}/main.py"] = HANDLER
        packages.append(member_lock(name, f"services/{name}"))
    return build_tree(root, {**files, "uv.lock": lock_text(packages)})


def test_more_than_256_jobs_is_an_error_that_suggests_shards(tmp_path: Path) -> None:
    root = services(tmp_path, 257)
    before = snapshot(root)
    result = uvbake("matrix", cwd=root)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "uvbake: error: uvbake matrix: 257 jobs are more than the 256 GitHub Actions runs from "
        "one matrix; pack the services into fewer jobs with --shards 256 (or fewer)\n"
    )
    assert snapshot(root) == before
    sharded = uvbake("matrix", "--shards", "256", cwd=root)
    assert sharded.returncode == 0, sharded.stderr
    assert len(json.loads(sharded.stdout)["include"]) == 256  # 256 jobs are fine
