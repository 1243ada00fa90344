from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
# The bench modules (bake/bench) are shared with the tests: progress-log reading, workspaces.
sys.path.insert(0, str(Path(__file__).parent.parent / "bake" / "bench"))


@pytest.fixture(autouse=True, scope="session")
def _own_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """uvbake's cache (compiled templates, generate's memory of its last run) in a folder of
    the test session's own, for the tests and the uvbake processes they start."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if before is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = before
