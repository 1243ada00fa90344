"""Reading uv.lock fast: wheel lines are skipped, and nothing else changes."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomllib

from uvbake.errors import UvbakeError
from uvbake.lock import ARTIFACT_LINE, load_lock

EXAMPLE_LOCK = Path(__file__).parent.parent / "examples" / "lambda-monorepo" / "uv.lock"


def test_skipping_artifact_lines_only_empties_the_wheel_lists() -> None:
    text = EXAMPLE_LOCK.read_text(encoding="utf-8")
    full = tomllib.loads(text)
    wheels = sum(len(p.get("wheels", [])) for p in full["package"])
    for package in full["package"]:
        if "wheels" in package:
            package["wheels"] = []
    assert wheels > 50
    assert len(ARTIFACT_LINE.findall(text)) == wheels
    assert tomllib.loads(ARTIFACT_LINE.sub("", text)) == full


def test_lock_errors_name_the_line_of_the_file_as_it_is(tmp_path: Path) -> None:
    text = EXAMPLE_LOCK.read_text(encoding="utf-8").splitlines(keepends=True)
    last_wheel = max(i for i, line in enumerate(text) if ARTIFACT_LINE.match(line))
    text.insert(last_wheel + 2, "broken = \n")
    path = tmp_path / "uv.lock"
    path.write_text("".join(text), encoding="utf-8")
    with pytest.raises(UvbakeError) as caught:
        load_lock(path, display="uv.lock")
    assert f"(at line {last_wheel + 3}, column 10)" in caught.value.line()
