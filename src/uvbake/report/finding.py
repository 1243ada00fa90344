"""One problem `uvbake check` reports: where, what is wrong, and the fix."""

from __future__ import annotations

from dataclasses import dataclass

from uvbake.errors import UvbakeError, one_line


@dataclass(frozen=True)
class Finding:
    """One problem: where it is (a file, or file:line), what is wrong, and the fix."""

    where: str
    problem: str
    fix: str

    def line(self) -> str:
        return one_line(self.where, self.problem, self.fix)

    @classmethod
    def of(cls, error: UvbakeError) -> Finding:
        return cls(error.where, error.problem, error.fix)
