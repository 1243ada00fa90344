"""A reader that closes the pipe early (`uvbake list | head -1`): uvbake ends quietly, with
the exit code a shell gives a process SIGPIPE ended, never an internal error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from uvbake.errors import PIPE_CLOSED

EXAMPLE = Path(__file__).parent.parent / "examples" / "lambda-monorepo"
BIN = Path(sys.executable).parent
# `list` prints less than stdout's buffer (the last flush fails), `generate --stdout` more
# (a write inside the command fails).
COMMANDS = [["list"], ["generate", "--stdout"]]


@pytest.mark.parametrize("args", COMMANDS, ids=["list", "generate-stdout"])
def test_a_pipe_closed_before_uvbake_writes(args: list[str]) -> None:
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "uvbake", *args],
            cwd=EXAMPLE,
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (PIPE_CLOSED, "")


@pytest.mark.parametrize("args", COMMANDS, ids=["list", "generate-stdout"])
def test_a_reader_that_exits_without_reading(args: list[str]) -> None:
    script = f'uvbake {" ".join(args)} | head -n 0; echo "${{PIPESTATUS[0]}}"'
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=EXAMPLE,
        env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
    )
    assert (done.stdout, done.stderr) == (f"{PIPE_CLOSED}\n", "")


def test_head_takes_the_first_line_and_nothing_is_said() -> None:
    script = 'uvbake generate --stdout | head -1; echo "${PIPESTATUS[0]}"'
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=EXAMPLE,
        env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
    )
    first, code = done.stdout.splitlines()
    assert first == "# ===== docker-bake.hcl ====="
    # head may exit before or after uvbake's last write: either way, no error
    assert (code in ("0", str(PIPE_CLOSED)), done.stderr) == (True, "")


def test_help_into_a_closed_pipe_is_no_internal_error() -> None:
    """Help text is printed by typer (through rich), which ends with SystemExit on a closed
    pipe: uvbake says nothing more and exits non-zero, never with a traceback."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "uvbake", "list", "--help"],
            cwd=EXAMPLE,
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        os.close(write)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
