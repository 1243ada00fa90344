"""Reading uv.lock fast: the parts uvbake never reads are skipped, and nothing else changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from uvbake.errors import UvbakeError
from uvbake.tomlfile import tomllib
from uvbake.uvlock.lock import UNREAD, SourceKind, load_lock

TESTS = Path(__file__).parent
LOCKS = [
    TESTS.parent / "examples" / "lambda-monorepo" / "uv.lock",
    TESTS / "golden" / "layouts.uv.lock",
]


@pytest.mark.parametrize("lock", LOCKS, ids=lambda p: p.parent.name)
def test_skipping_unread_parts_changes_nothing_else(lock: Path) -> None:
    text = lock.read_text(encoding="utf-8")
    full = tomllib.loads(text)
    skipped = {"wheels": 0, "sdist": 0, "metadata": 0}
    for package in full["package"]:
        skipped["wheels"] += len(package.get("wheels", []))
        if "wheels" in package:
            package["wheels"] = []
        for key in ("sdist", "metadata"):
            skipped[key] += package.pop(key, None) is not None
    assert min(skipped.values()) > 0
    assert tomllib.loads(UNREAD.sub("", text)) == full


def test_lock_errors_name_the_line_of_the_file_as_it_is(tmp_path: Path) -> None:
    lines = LOCKS[0].read_text(encoding="utf-8").splitlines(keepends=True)
    last_wheel = max(i for i, line in enumerate(lines) if UNREAD.match(line))
    lines.insert(last_wheel + 2, "broken = \n")
    path = tmp_path / "uv.lock"
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(UvbakeError) as caught:
        load_lock(path, display="uv.lock")
    assert f"(at line {last_wheel + 3}, column 10)" in caught.value.line()


def test_every_source_is_typed_and_an_unknown_one_is_an_error(tmp_path: Path) -> None:
    lock = load_lock(LOCKS[1], display="uv.lock")
    assert {p.source_kind for p in lock.packages} <= set(SourceKind)
    assert {SourceKind.REGISTRY, SourceKind.EDITABLE, SourceKind.VIRTUAL} <= {
        p.source_kind for p in lock.packages
    }
    text = LOCKS[1].read_text(encoding="utf-8")
    path = tmp_path / "uv.lock"
    path.write_text(text.replace('source = { virtual = "', 'source = { vendored = "', 1))
    with pytest.raises(UvbakeError) as caught:
        load_lock(path, display="uv.lock")
    assert caught.value.line() == (
        "uv.lock: package 'acme-text' has an unknown source 'vendored'; "
        "run `uv lock` in the workspace root"
    )
