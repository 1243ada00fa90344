"""The one error type uvbake raises for bad input; cli.py turns it into exit code 1."""

from __future__ import annotations

from pathlib import Path


class UvbakeError(Exception):
    """A problem the user can fix: where it is, what is wrong, and how to fix it."""

    def __init__(self, where: Path | str, problem: str, fix: str) -> None:
        self.where = str(where)
        self.problem = problem
        self.fix = fix
        super().__init__(self.line())

    def line(self) -> str:
        return one_line(self.where, self.problem, self.fix)


def one_line(where: str, problem: str, fix: str) -> str:
    """The one format of every message: "<where>: <problem>; <fix>", on a single line."""
    return " ".join(f"{where}: {problem}; {fix}".split())
