"""What every reader says the same way: a value shown in `skipped`, a file it cannot read."""

from __future__ import annotations

from pathlib import Path

from .model import Problem, Read

WIDTH = 80


def clip(text: str) -> str:
    """`text` cut to WIDTH characters, "..." ending a cut one."""
    return text if len(text) <= WIDTH else text[: WIDTH - 3] + "..."


def brief(source: str) -> str:
    """Source text as one short line: white space folded, then clipped."""
    return clip(" ".join(source.split()))


def unreadable(rel: str, err: OSError) -> Read:
    """The problem of a file that cannot be opened or read."""
    return Read(problems=(Problem(rel, 1, f"cannot read: {err.strerror or err}"),))


def code_text(file: Path, rel: str) -> str | Read:
    """A source file's text, undecodable bytes replaced; a file that cannot be opened is a
    problem."""
    try:
        return file.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        return unreadable(rel, err)


def config_text(file: Path, rel: str) -> str | Read:
    """A configuration file's text, UTF-8 with or without a byte order mark; one that cannot be
    opened or decoded is a problem, told with the whole error (an OSError's names the file)."""
    try:
        return file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return Read(problems=(Problem(rel, 1, f"cannot read: {exc}"),))
