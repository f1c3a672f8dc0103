"""Problems are values with a place; only the CLI and the dev server print them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input, pointing at the file and line where it is."""

    path: str
    message: str
    line: int | None = None
    hint: str | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        place = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{place}: {self.severity}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class BuildFailed(Exception):
    """Raised with every problem found, so the user sees all of them at once."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


class UsageError(Exception):
    """A bad command line or dangerous setting: exit status 2."""


def errors_in(problems: list[Problem]) -> list[Problem]:
    """Keep the problems that stop a build (warnings do not)."""
    return [p for p in problems if p.is_error]


class Cancelled(Exception):
    """The caller no longer wants this work done (the dev server has a newer edit to build)."""
