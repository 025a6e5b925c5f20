"""Rules, findings and decisions: the generic shape of an explainable legal decision.

Modelled on Cedar's ``Response {decision, diagnostics}`` and Catala's declared precedence:

- a *rule* is a small function with metadata (id, the provisions it cites, its kind, whether
  the authority *must* or *may* act, which rule it overrides, and the outcome its failure
  implies);
- each rule yields a *finding*: its result (pass, fail, review, not applicable), a reason in
  plain words, the citations, and the facts and dated values it read;
- the *decision* combines findings by one declared precedence (``not_in_force``,
  ``outside_scope``, ``refuse``, a ``review`` flagged for human rights, ``invalid``, ``review``,
  ``proceed``), so a refusal ground always beats the duty to assist, a human-rights concern is
  never hidden behind a fixable defect, and no two rules can collide silently;
- when a refusal ground is engaged, the duty it overrides (Catala's exception) is reported as
  ``overridden`` by it, never as ``pass``;
- a rule that raises is a ``review`` finding flagged ``error``: an error can never yield a
  clean outcome.
"""

from __future__ import annotations

import re
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
    OVERRIDDEN = "overridden"  # a duty set aside (pending a person) by an engaged exception


class Outcome(StrEnum):
    NOT_IN_FORCE = "not_in_force"  # no treaty relation between the States on the date
    OUTSIDE_SCOPE = "outside_scope"  # the instrument imposes no obligation: not a refusal
    REFUSE = "refuse"  # a ground that is mandatory under the law the user supplied
    INVALID = "invalid"
    REVIEW = "review"
    PROCEED = "proceed"


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
    POLICY = "policy"  # the finding applies the organisation's own policy, not a treaty value


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
    on_fail: Outcome
    func: Callable[[C], Verdict]
    overrides: str | None = None

    def stated(self, value: Callable[[str], object]) -> str:
        """The statement with each ``{constant}`` it names replaced by the law's value, so a
        number a rule rests on is written once, in the data, never again in the rule's text."""
        return _PLACEHOLDER.sub(lambda m: str(value(m.group(1))), self.statement)


_PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[a-z_]+)+)\}")

_RESULT_OUTCOME = {
    Result.REVIEW: Outcome.REVIEW,
    Result.PASS: Outcome.PROCEED,
    Result.NOT_APPLICABLE: Outcome.PROCEED,
    Result.OVERRIDDEN: Outcome.PROCEED,  # the exception that overrides it carries the outcome
}

# Flags that lift a ``review`` above ``invalid``: a human-rights concern must reach a person
# even when the request also lacks something the requester could simply supply.
ESCALATING = frozenset({Flag.HUMAN_RIGHTS})

# The declared precedence, first wins: (outcome, whether an escalating flag is required).
PRECEDENCE: tuple[tuple[Outcome, bool], ...] = (
    (Outcome.NOT_IN_FORCE, False),
    (Outcome.OUTSIDE_SCOPE, False),
    (Outcome.REFUSE, False),
    (Outcome.REVIEW, True),
    (Outcome.INVALID, False),
    (Outcome.REVIEW, False),
    (Outcome.PROCEED, False),
)
_RANK = {key: i for i, key in enumerate(PRECEDENCE)}


def outcome_of(rule_on_fail: Outcome, result: Result) -> Outcome:
    """The outcome one finding implies: a failure implies the rule's own outcome."""
    return rule_on_fail if result is Result.FAIL else _RESULT_OUTCOME[result]


def rank(outcome: Outcome, flags: Iterable[Flag] = ()) -> int:
    """Where a finding's outcome stands in the precedence (lower wins)."""
    escalated = outcome is Outcome.REVIEW and not ESCALATING.isdisjoint(flags)
    return _RANK[(outcome, escalated)]


def combine(findings: Iterable[Finding]) -> Outcome:
    """The first outcome in precedence order among the findings (``proceed`` if none)."""
    best = min((rank(f.outcome, f.flags) for f in findings), default=_RANK[PRECEDENCE[-1]])
    return PRECEDENCE[best][0]


def engaged(finding: Finding) -> bool:
    """Whether an exception's finding sets aside the rule it overrides: it failed, or it sends
    the request to a person who may apply it."""
    return finding.result in (Result.FAIL, Result.REVIEW)


def mark_overridden(rules: Sequence[Rule[C]], findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """Report every duty an engaged exception overrides as ``overridden`` by it (Catala): a
    duty to assist can never read ``pass`` beside the ground that may set it aside."""
    by: dict[str, list[str]] = {}
    for rule, finding in zip(rules, findings, strict=True):
        if rule.overrides is not None and engaged(finding):
            by.setdefault(rule.overrides, []).append(rule.id)
    if not by:
        return tuple(findings)
    return tuple(
        f._replace(
            result=Result.OVERRIDDEN,
            outcome=Outcome.PROCEED,
            reason=f"overridden by {', '.join(by[f.rule])}: {f.reason}",
            read=(*f.read, ("overridden_by", tuple(by[f.rule]))),
        )
        if f.rule in by
        else f
        for f in findings
    )


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
        on_fail: Outcome = Outcome.REVIEW,
        overrides: str | None = None,
    ) -> Callable[[Callable[[C], Verdict]], Callable[[C], Verdict]]:
        """Register a function as a rule; its docstring is the rule's plain-words statement.

        What the rule cites is each treaty's own (its bundle's ``screening.yaml``): one rule
        function serves every treaty whose provisions say the same thing."""

        def register(func: Callable[[C], Verdict]) -> Callable[[C], Verdict]:
            if any(r.id == id for r in self.rules):
                raise RogatoryError("rules.duplicate_rule", f"rule {id!r} is registered twice")
            statement = " ".join((func.__doc__ or "").split())
            if not statement:
                raise RogatoryError("rules.statement_missing", f"rule {id!r} has no docstring")
            self.rules.append(Rule(id, statement, kind, discretion, on_fail, func, overrides))
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
