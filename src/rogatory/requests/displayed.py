"""How a stored screening outcome reads under today's rules, without rewriting it.

Screenings are stored whole and never changed. Before the scope rule had its own outcome, a
request outside the Convention's scope (``scope.offence_or_serious_crime`` failed) was
stored as ``refuse``; today that is ``outside_scope``: the Convention imposes no obligation,
which is not a refusal. Such a decision is shown as ``outside_scope`` with a note that it was
recorded as ``refuse`` under the earlier rules; the stored ``outcome`` stays as it was.

Likewise, before a human-rights review was put above ``invalid`` in the precedence, an
incomplete request that also carried a human-rights or persecution finding was stored as
``invalid``, as if completing it were all it needed; it is shown as ``review`` (flagged) with a
note that it was recorded as ``invalid``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rogatory.law.decision import ESCALATING, Outcome

SCOPE_RULE = "scope.offence_or_serious_crime"


@dataclass(frozen=True)
class Displayed:
    outcome: str  # the outcome as today's rules name it
    note: str | None  # why it differs from the stored one

    @property
    def label(self) -> str:
        return f"{self.outcome} ({self.note})" if self.note else self.outcome


def displayed(outcome: str, decision: dict[str, Any]) -> Displayed:
    """The outcome to show for a stored screening (``outcome`` and its ``decision`` JSON)."""
    if outcome == Outcome.REFUSE.value and any(
        f.get("rule") == SCOPE_RULE and f.get("result") == "fail"
        for f in decision.get("findings", ())
    ):
        return Displayed(Outcome.OUTSIDE_SCOPE.value, "recorded as refuse under the earlier rules")
    escalating = {flag.value for flag in ESCALATING}
    if outcome == Outcome.INVALID.value and any(
        f.get("result") == "review" and escalating & set(f.get("flags", ()))
        for f in decision.get("findings", ())
    ):
        return Displayed(
            Outcome.REVIEW.value,
            "flagged for human rights; recorded as invalid under the earlier rules",
        )
    return Displayed(outcome, None)
