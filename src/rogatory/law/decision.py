"""Rules, findings and decisions: the generic shape of an explainable legal decision.

Modelled on Cedar's ``Response {decision, diagnostics}`` and Catala's declared precedence:

- a *rule* is a small function with metadata (id, the provisions it cites, its kind, whether
  the authority *must* or *may* act, which rule it overrides, and the outcome its failure
  implies);
- each rule yields a *finding*: its result (pass, fail, review, not applicable), a reason in
  plain words, the citations, and the facts and dated values it read;
- the *decision* combines findings by one declared precedence (``not_in_force`` before
  ``refuse`` before ``invalid`` before ``review`` before ``proceed``), so a refusal ground
  always beats the duty to assist and no two rules can collide silently;
- a rule that raises is a ``review`` finding flagged ``error``: an error can never yield a
  clean outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, NamedTuple, TypeVar

from rogatory.errors import RogatoryError
from rogatory.law.citation import Citation

C = TypeVar("C")


class Result(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    REVIEW = "review"
    NOT_APPLICABLE = "not_applicable"


class Outcome(StrEnum):
    NOT_IN_FORCE = "not_in_force"
    REFUSE = "refuse"
    INVALID = "invalid"
    REVIEW = "review"
    PROCEED = "proceed"


PRECEDENCE: tuple[Outcome, ...] = tuple(Outcome)  # declaration order is the precedence
_RANK = {o: i for i, o in enumerate(PRECEDENCE)}


class Kind(StrEnum):
    DUTY = "duty"
    CONDITION = "condition"
    REFUSAL_GROUND = "refusal_ground"
    SAFEGUARD = "safeguard"
    RECORD = "record"  # states what the law requires, changes no outcome by itself


class Discretion(StrEnum):
    MUST = "must"
    MAY = "may"


class Flag(StrEnum):
    HUMAN_RIGHTS = "human_rights"
    ERROR = "error"
    UNVERIFIED = "unverified"
    URGENT = "urgent"


class Verdict(NamedTuple):
    """What a rule function returns; the engine adds the rule's metadata.

    Verdicts and findings are named tuples rather than frozen dataclasses: a screening creates
    one per rule per request, and tuples are immutable and several times cheaper to build.
    """

    result: Result
    reason: str
    read: tuple[tuple[str, object], ...] = ()
    cites: tuple[Citation, ...] = ()
    flags: tuple[Flag, ...] = ()


class Finding(NamedTuple):
    rule: str
    result: Result
    reason: str
    cites: tuple[Citation, ...]
    outcome: Outcome
    read: tuple[tuple[str, object], ...] = ()
    flags: tuple[Flag, ...] = ()

    @property
    def verified(self) -> bool:
        return all(c.verified for c in self.cites)


@dataclass(frozen=True)
class Rule(Generic[C]):
    """A registered rule: its function and everything a lawyer needs to read it."""

    id: str
    statement: str
    kind: Kind
    discretion: Discretion
    cites: tuple[str, ...]
    on_fail: Outcome
    func: Callable[[C], Verdict]
    overrides: str | None = None


_RESULT_OUTCOME = {
    Result.REVIEW: Outcome.REVIEW,
    Result.PASS: Outcome.PROCEED,
    Result.NOT_APPLICABLE: Outcome.PROCEED,
}


def outcome_of(rule_on_fail: Outcome, result: Result) -> Outcome:
    """The outcome one finding implies: a failure implies the rule's own outcome."""
    return rule_on_fail if result is Result.FAIL else _RESULT_OUTCOME[result]


def combine(outcomes: Iterable[Outcome]) -> Outcome:
    """The first outcome in precedence order among those that apply (``proceed`` if none)."""
    return min(outcomes, key=_RANK.__getitem__, default=Outcome.PROCEED)


@dataclass
class Registry(Generic[C]):
    """The rules of one engine, in evaluation order, checked for collisions at registration."""

    rules: list[Rule[C]] = field(default_factory=list)

    def rule(
        self,
        *,
        id: str,
        kind: Kind,
        discretion: Discretion,
        cites: Sequence[str],
        on_fail: Outcome = Outcome.REVIEW,
        overrides: str | None = None,
    ) -> Callable[[Callable[[C], Verdict]], Callable[[C], Verdict]]:
        """Register a function as a rule; its docstring is the rule's plain-words statement."""

        def register(func: Callable[[C], Verdict]) -> Callable[[C], Verdict]:
            if any(r.id == id for r in self.rules):
                raise RogatoryError("rules.duplicate_rule", f"rule {id!r} is registered twice")
            statement = " ".join((func.__doc__ or "").split())
            if not statement:
                raise RogatoryError("rules.statement_missing", f"rule {id!r} has no docstring")
            if not cites:
                raise RogatoryError("rules.citation_missing", f"rule {id!r} cites no provision")
            self.rules.append(
                Rule(id, statement, kind, discretion, tuple(cites), on_fail, func, overrides)
            )
            return func

        return register

    def get(self, rule_id: str) -> Rule[C]:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise RogatoryError(
            "rules.unknown_rule",
            f"no rule {rule_id!r}",
            help="known rules: " + ", ".join(r.id for r in self.rules),
        )

    def check(self) -> None:
        """Every ``overrides`` names a registered rule, and only refusal grounds override."""
        ids = {r.id for r in self.rules}
        for r in self.rules:
            if r.overrides is not None and r.overrides not in ids:
                raise RogatoryError(
                    "rules.unknown_override",
                    f"rule {r.id!r} overrides unknown rule {r.overrides!r}",
                )
            if r.overrides is not None and r.kind is not Kind.REFUSAL_GROUND:
                raise RogatoryError(
                    "rules.override_not_refusal",
                    f"rule {r.id!r} overrides {r.overrides!r} but is not a refusal ground",
                )


def evaluate(rule: Rule[C], context: C, cites: tuple[Citation, ...]) -> Finding:
    """Run one rule; an exception becomes a flagged ``review`` finding, never a pass."""
    try:
        verdict = rule.func(context)
    except Exception as exc:  # a broken rule must stop automation, not the whole screening
        return Finding(
            rule.id,
            Result.REVIEW,
            f"the rule could not be evaluated ({type(exc).__name__}: {exc}); a person must decide",
            cites,
            Outcome.REVIEW,
            (),
            (Flag.ERROR,),
        )
    result, reason, read, extra, flags = verdict
    all_cites = tuple(dict.fromkeys(cites + extra)) if extra else cites
    outcome = rule.on_fail if result is Result.FAIL else _RESULT_OUTCOME[result]
    return Finding(rule.id, result, reason, all_cites, outcome, read, flags)
