"""The compiled templates kept in the user's cache folder: the same files with and without it,
and a cache that cannot be written only costs time."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from helpers import seed_workspace
from uvbake.api import generated_files


def test_templates_compiled_once_give_the_same_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = seed_workspace(tmp_path / "ws")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    first = generated_files(root)[1]
    cached = sorted(p.name for p in (tmp_path / "cache" / "uvbake" / "templates").iterdir())
    assert len(cached) == 3 and all(name.endswith(".cache") for name in cached)
    assert generated_files(root)[1] == first  # read from the cache this time


def test_no_cache_is_written_where_python_writes_no_bytecode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = seed_workspace(tmp_path / "ws")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert generated_files(root)[1]
    assert not (tmp_path / "cache").exists()


def test_a_cache_folder_that_cannot_be_made_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = seed_workspace(tmp_path / "ws")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.delenv("UVBAKE_UPDATE_GOLDEN", raising=False)
    expected = generated_files(root)[1]
    assert expected == generated_files(root)[1]
    assert blocker.read_text() == "a file where the cache folder would go\n"
