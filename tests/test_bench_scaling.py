"""bake/bench/scaling.py's everyday-loop measure on a real workspace: it runs `uvbake
generate` as a user does, in a cache folder of its own, and leaves the workspace as it was
found (the times themselves are the bench's business, not a test's)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import scaling

from uvbake.api import generated_files

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "lambda-monorepo"


def test_loop_leaves_the_workspace_and_the_users_cache_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLE, root)
    user_cache = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(user_cache))
    _, files = generated_files(root)
    handler = root / "services" / "ingestion_worker" / "src" / "ingestion_worker" / "main.py"
    before = handler.read_bytes()
    untouched = {
        path: path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and path.name not in files
    }

    figures = scaling.loop(root, sorted(files), runs=1)

    assert handler.read_bytes() == before
    assert {
        path: path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    } == untouched
    assert not user_cache.exists()
    assert min(figures.full, figures.remembered, figures.edited) > 0
