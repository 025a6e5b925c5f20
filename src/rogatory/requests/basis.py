"""The legal basis an approval rests on, and the override that replaces a failed one.

A screening other than ``proceed`` or ``review`` says the Convention does not carry the
request (not in force between the States, a ground for refusal, an invalid request, or
outside its scope). Such a case may still be executed on another footing: another
instrument in force between the two States, or the requested State's domestic law. That is
an *override*: it names the basis and the reason, and two different approvers must give
it, so that no one person sets the screening aside. Whatever the approval rests on is what
the custody receipt later states as the legal basis of the hand-over.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rogatory.errors import RogatoryError
from rogatory.law.citation import ProvisionId
from rogatory.law.decision import Outcome
from rogatory.treaty import catalogue

# The screening outcomes an ordinary approval may follow; every other outcome, including
# any added to ``Outcome`` later, needs an override.
APPROVABLE = frozenset({Outcome.PROCEED, Outcome.REVIEW})
CITATION_MAX = 500
REASON_MAX = 2000


class BasisKind(StrEnum):
    CONVENTION = "convention"  # the Convention article of the measure
    INSTRUMENT = "instrument"  # another treaty or arrangement in force between the States
    DOMESTIC_LAW = "domestic_law"  # the requested State's own law


OVERRIDE_KINDS = (BasisKind.INSTRUMENT, BasisKind.DOMESTIC_LAW)


def blocks(outcome: Outcome) -> bool:
    """Whether a screening with this outcome can be approved only through an override."""
    return outcome not in APPROVABLE


@dataclass(frozen=True)
class Override:
    """Another legal basis than the Convention, and why the case is executed on it."""

    kind: BasisKind
    citation: str
    reason: str

    @classmethod
    def of(cls, kind: str, citation: str, reason: str) -> Override:
        """An override from what a person typed, or an error naming the field and the rule."""
        kinds = ", ".join(k.value for k in OVERRIDE_KINDS)
        if kind not in {k.value for k in OVERRIDE_KINDS}:
            raise RogatoryError(
                "case.invalid_override",
                f"field override.kind: {kind!r} is not one of {kinds}",
                help="an override rests on another instrument in force between the States "
                "or on domestic law, never on the Convention whose screening failed",
            )
        citation, reason = citation.strip(), reason.strip()
        for field, value, limit in (
            ("citation", citation, CITATION_MAX),
            ("reason", reason, REASON_MAX),
        ):
            if not value:
                raise RogatoryError(
                    "case.invalid_override", f"field override.{field}: must not be empty"
                )
            if len(value) > limit:
                raise RogatoryError(
                    "case.invalid_override",
                    f"field override.{field}: at most {limit} characters ({len(value)} given)",
                )
        return cls(BasisKind(kind), citation, reason)

    def same_basis(self, other: Override) -> bool:
        """Both approvers of an override must rest it on the same basis (reasons may differ)."""
        return (self.kind, self.citation) == (other.kind, other.citation)

    def describe(self) -> str:
        return f"{self.kind.value.replace('_', ' ')}: {self.citation}"


def convention_basis(measure: str, bundle_id: str = "uncc") -> str:
    """The Convention article an ordinary approval of this measure rests on."""
    return str(ProvisionId(bundle_id, catalogue.get(bundle_id).measures[measure].articles[0]))


def receipt_basis(kind: str, citation: str) -> list[str]:
    """What a custody receipt states as the legal basis of a hand-over approved on this."""
    return [citation] if kind == BasisKind.CONVENTION.value else [f"{kind}:{citation}"]
