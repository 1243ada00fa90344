"""README's Quickstart: its commands are the ones shown, and `uvbake list` and `uvbake
generate`, run as written on a copy of the example, print the output shown under them. (The
build, verify and push commands run on an engine in tests/test_engine_readme.py.)"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

TOP = Path(__file__).parent.parent
EXAMPLE = TOP / "examples" / "lambda-monorepo"
GENERATED = ("docker-bake.hcl", "uvbake.Dockerfile", "uvbake.Dockerfile.dockerignore")
COMMANDS = [
    "uvbake list",
    "uvbake generate",
    "docker buildx bake --load",
    "uvbake verify",
    "docker buildx bake --push --metadata-file meta.json && uvbake images meta.json",
]


def blocks() -> list[tuple[str, str]]:
    """(language, text) of every code block of the Quickstart section, in order."""
    text = (TOP / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Quickstart on your own workspace\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(\w+)\n(.*?)\n```", section, flags=re.S)


def commands() -> list[str]:
    return [text for language, text in blocks() if language == "sh"]


def shown_output(command: str) -> str:
    """The text block right after the `sh` block of `command`."""
    found = blocks()
    index = found.index(("sh", command))
    language, text = found[index + 1]
    assert language == "text", command
    return text + "\n"


def example_without_generated_files(tmp_path: Path) -> Path:
    work = tmp_path / "ws"
    shutil.copytree(EXAMPLE, work, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
    for name in GENERATED:
        (work / name).unlink()
    return work


def test_the_quickstart_shows_these_commands() -> None:
    assert commands() == COMMANDS
    # from PyPI, which a test cannot reach: shown, not run
    assert blocks()[0] == ("text", "uv tool install uvbake")


def test_list_and_generate_print_what_the_quickstart_shows(tmp_path: Path) -> None:
    work = example_without_generated_files(tmp_path)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for command in COMMANDS[:2]:
        done = subprocess.run(
            ["bash", "-ec", command], cwd=work, env=env, capture_output=True, text=True
        )
        assert (done.returncode, done.stderr) == (0, ""), command
        assert done.stdout == shown_output(command), command
    for name in GENERATED:
        assert (work / name).read_text(encoding="utf-8") == (EXAMPLE / name).read_text(
            encoding="utf-8"
        )
