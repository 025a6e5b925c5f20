"""One error scheme for the whole product.

Every failure a user can cause is a :class:`RogatoryError` with a stable dotted ``code``
(``party.unknown_state``, ``rules.citation_missing``), so adapters can render it the same way
everywhere: the CLI as ``error[code]: message``, the API as problem+json. A file with many
problems raises one :class:`ProblemList` that carries all of them, because a lawyer fixing a
rules file should see every mistake at once, not one per run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is, which rule it breaks, and what was expected."""

    code: str
    message: str
    file: str | None = None
    location: str | None = None

    def render(self) -> str:
        where = ", ".join(part for part in (self.file, self.location) if part)
        return f"{where}: {self.message}" if where else self.message


class RogatoryError(Exception):
    """A failure with a stable code, a message for people, details for machines, and a hint."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        help: str | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = details or {}
        self.help = help

    @property
    def problems(self) -> Sequence[Problem]:
        return [Problem(self.code, self.message)]


@dataclass
class ProblemCollector:
    """Accumulates problems while a loader keeps going, so that all of them can be reported."""

    problems: list[Problem] = field(default_factory=list)

    def add(
        self, code: str, message: str, *, file: str | None = None, location: str | None = None
    ) -> None:
        self.problems.append(Problem(code, message, file, location))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self, code: str, what: str) -> None:
        if self.problems:
            raise ProblemList(code, what, self.problems)


class ProblemList(RogatoryError):
    """Several problems found in one input, raised together."""

    def __init__(self, code: str, what: str, problems: Sequence[Problem]) -> None:
        listed = "; ".join(p.message for p in problems[:5]) + ("; ..." if len(problems) > 5 else "")
        super().__init__(
            code,
            f"{what}: {len(problems)} problem{'s' if len(problems) != 1 else ''}: {listed}",
            details={"problems": [p.__dict__ for p in problems]},
        )
        self._problems = list(problems)

    @property
    def problems(self) -> Sequence[Problem]:
        return self._problems
