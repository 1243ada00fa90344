"""`uvbake generate` remembers its last run: nothing changed, it prints the same lines again
without planning; any change under the checkout, or a generated file edited, runs it in full."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import seed_workspace
from uvbake import api, writer
from uvbake.commands import generate, memo
from uvbake.console import Console
from uvbake.errors import UvbakeError
from uvbake.scan.tree import SKIP


def _age(root: Path, seconds: int = 60) -> None:
    """Every file as if written `seconds` ago (a checkout nobody touched since)."""
    when = time.time() - seconds
    for folder, _, files in os.walk(root):
        for name in files:
            os.utime(os.path.join(folder, name), (when, when))


def _run(root: Path, *, quiet: bool = False) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = generate.run(
        root=root, check=False, stdout=False, console=Console(out=out, err=err, quiet=quiet)
    )
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def plans(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Path]:
    """The roots the real planner was called for, in this test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    called: list[Path] = []
    real: Callable[..., object] = api.generated_files

    def counted(root: Path, **kwargs: object) -> object:
        called.append(root)
        return real(root, **kwargs)

    monkeypatch.setattr(api, "generated_files", counted)
    return called


def test_nothing_changed_prints_what_a_full_run_prints_without_planning(
    tmp_path: Path, plans: list[Path]
) -> None:
    root = seed_workspace(tmp_path / "ws")
    (root / "services/api/src/api/main.py").write_text(
        "def handler(event, context):\n    return 1\n"
    )
    _age(root)
    first = _run(root)
    assert first[0] == 0 and "wrote uvbake.Dockerfile" in first[1]
    again = _run(root)
    assert len(plans) == 1  # the second run did not plan
    memo.place(root).unlink()
    full = _run(root)
    assert len(plans) == 2
    assert again == full
    assert full[1].splitlines()[:3] == [
        "unchanged docker-bake.hcl",
        "unchanged uvbake.Dockerfile",
        "unchanged uvbake.Dockerfile.dockerignore",
    ]
    assert _run(root, quiet=True) == (0, "", "")
    assert len(plans) == 2


@pytest.mark.parametrize(
    "change",
    [
        "edit a handler module",
        "add a module",
        "remove a module",
        "edit a generated file",
        "edit uv.lock",
    ],
)
def test_any_change_runs_in_full(tmp_path: Path, plans: list[Path], change: str) -> None:
    root = seed_workspace(tmp_path / "ws")
    _age(root)
    assert _run(root)[0] == 0
    assert _run(root)[0] == 0 and len(plans) == 1
    main = root / "services/api/src/api/main.py"
    if change == "edit a handler module":
        main.write_text(main.read_text().replace("handler", "handler_x", 1).replace("_x", "", 1))
        os.utime(main, (time.time() - 30, time.time() - 30))  # a new time, still not racy
    elif change == "add a module":
        extra = main.parent / "extra.py"
        extra.write_text("X = 1\n")
        os.utime(extra, (time.time() - 30, time.time() - 30))
    elif change == "remove a module":
        (root / "services/api/src/api/__init__.py").unlink(missing_ok=True)
        main.unlink()
    elif change == "edit a generated file":
        dockerfile = root / "uvbake.Dockerfile"
        dockerfile.write_text(dockerfile.read_text() + "# a line by hand\n")
    else:
        lock = root / "uv.lock"
        lock.write_text(lock.read_text() + "\n")
        os.utime(lock, (time.time() - 30, time.time() - 30))
    if change == "edit a generated file":
        with pytest.raises(UvbakeError, match="was edited by hand"):
            _run(root)  # the full run, which refuses to undo the edit
    else:
        assert _run(root)[0] == 0
    assert len(plans) == 2, change


def test_files_modified_just_now_are_not_trusted(tmp_path: Path, plans: list[Path]) -> None:
    root = seed_workspace(tmp_path / "ws")  # every file written just now
    assert _run(root)[0] == 0
    assert not memo.place(root).exists()
    assert _run(root)[0] == 0 and len(plans) == 2


def test_a_cache_that_cannot_be_written_only_costs_time(
    tmp_path: Path, plans: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = seed_workspace(tmp_path / "ws")
    _age(root)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert _run(root)[0] == 0 and _run(root)[0] == 0
    assert len(plans) == 2
    assert blocker.read_text() == "not a folder\n"


def test_a_broken_memory_is_ignored(tmp_path: Path, plans: list[Path]) -> None:
    root = seed_workspace(tmp_path / "ws")
    _age(root)
    _run(root)
    for text in (
        "{",
        '{"version": 1}',
        "[]",
        '{"version": 1, "key": 1, "outputs": [], "lines": 3}',
    ):
        memo.place(root).write_text(text)
        assert _run(root)[0] == 0
    assert len(plans) == 5


def test_the_walk_skips_only_folders_the_scan_skips() -> None:
    assert memo.SKIP <= SKIP


def test_a_memory_that_cannot_take_its_place_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "memory.json"
    target.mkdir()  # a folder where the file would go: the rename fails
    assert writer.remember(target, "{}") is False
    assert sorted(p.name for p in tmp_path.iterdir()) == ["memory.json"]
    assert writer.remember(tmp_path / "other.json", "{}") is True
    assert (tmp_path / "other.json").read_text() == "{}"
