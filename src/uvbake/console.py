"""Where a command's output goes, and how much of it: passed to every command, never a global."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TextIO


def _stdout() -> TextIO:
    return sys.stdout


def _stderr() -> TextIO:
    return sys.stderr


@dataclass(frozen=True)
class Console:
    """The streams of one run (looked up when the console is made, so a test's capture is
    seen) and the -q / -v choices: `quiet` drops warnings and progress lines, never results
    or errors."""

    out: TextIO = field(default_factory=_stdout)
    err: TextIO = field(default_factory=_stderr)
    quiet: bool = False
    verbose: bool = False

    def warn(self, text: str) -> None:
        """One warning line on stderr, unless quiet."""
        if not self.quiet:
            self.err.write(f"uvbake: warning: {text}\n")

    def note(self, text: str) -> None:
        """One line about what was done (wrote, unchanged, checked), on stdout, unless quiet."""
        if not self.quiet:
            self.out.write(f"{text}\n")

    def status(self, text: str) -> None:
        """One line about what was checked, on stderr (stdout stays machine-readable)."""
        if not self.quiet:
            self.err.write(f"{text}\n")


@dataclass(frozen=True)
class Recording(Console):
    """A Console that also keeps the text of every warning given to it."""

    warnings: list[str] = field(default_factory=list)

    def warn(self, text: str) -> None:
        self.warnings.append(text)
        super().warn(text)
