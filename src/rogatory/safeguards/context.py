"""What every screening rule may read: the request, the legal date, and the law as of it."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date
from functools import wraps

from rogatory.law.bundle import Bundle, MeasureFacts, MeasureKind, ScreeningFacts
from rogatory.law.citation import Citation
from rogatory.law.dated import Value
from rogatory.law.decision import Registry, Result, Verdict
from rogatory.parties.register import Register
from rogatory.safeguards import agreements, basis
from rogatory.safeguards.agreements import Agreement
from rogatory.safeguards.domestic import DomesticLaw
from rogatory.safeguards.request import Measure, Request
from rogatory.safeguards.requester import NONE, RequesterEvidence, RequesterPolicy
from rogatory.safeguards.signals import SignalIndex, Signals

MLA_MEASURES = frozenset(
    {
        Measure.TRAFFIC_DISCLOSURE,
        Measure.STORED_DATA,
        Measure.REALTIME_TRAFFIC,
        Measure.INTERCEPTION,
        Measure.MLA,
    }
)
REAL_TIME = frozenset({Measure.REALTIME_TRAFFIC, Measure.INTERCEPTION})
# Kinds of measure with their own articles, outside the general MLA paragraphs that another
# treaty between the States displaces (Budapest Arts 29-30 sit apart from Art 27 likewise).
STAND_ALONE_KINDS = frozenset({MeasureKind.PRESERVATION, MeasureKind.DISCLOSURE})


@dataclass(frozen=True, slots=True)
class Law:
    """The law a screening applies, shared by every request screened with it.

    Citations and dated values are memoised: they depend only on the bundle and the date, and
    a queue screens thousands of requests against the same ones.
    """

    bundle: Bundle
    register: Register
    domestic: dict[str, DomesticLaw]
    signals: Signals
    agreements: tuple[Agreement, ...] = ()
    requester_policy: RequesterPolicy = field(default_factory=RequesterPolicy)
    others: tuple[Register, ...] = ()  # the other shipped treaties' party registers
    _cites: dict[tuple[int, str | None], Citation] = field(default_factory=dict)
    _values: dict[tuple[str, date], Value] = field(default_factory=dict)
    _memo: dict[tuple[object, Hashable], Verdict] = field(default_factory=dict)
    _bases: dict[tuple[str, str, date], basis.Report] = field(default_factory=dict)
    # every word list a rule reads (the signals, the requester policy's emergency wording),
    # compiled into one matcher once: a request's text is scanned in one pass
    matcher: SignalIndex = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "matcher",
            self.signals.index.extended(
                {EMERGENCY_WORDING: self.requester_policy.emergency_wording}
            ),
        )

    def bases(self, a: str, b: str, on: date) -> basis.Report:
        """Every legal basis between ``a`` and ``b`` on ``on`` (this treaty's register, the
        other shipped treaties', the agreements file): what ``rogatory basis`` answers, so the
        decision's legal bases and a reason naming the other bases can never disagree with it.
        Computed once per pair and date."""
        key = (a, b, on)
        found = self._bases.get(key)
        if found is None:
            if len(self._bases) >= MEMO_LIMIT:
                self._bases.clear()
            found = self._bases[key] = basis.between(
                [self.register, *self.others],
                self.agreements,
                a,
                b,
                on,
                convention=self.bundle.instrument,
            )
        return found

    def article_cite(self, article: int, paragraph: str | None = None) -> Citation:
        """What a finding resting on the provision cites: its content's level (a whole
        article's summary, a paragraph's own), not the level of its number and title."""
        key = (article, paragraph)
        if key not in self._cites:
            self._cites[key] = self.bundle.content_citation(article, paragraph)
        return self._cites[key]

    def measure(self, measure: Measure) -> MeasureFacts:
        """The bundle's one row of facts about ``measure`` (checked complete at start-up)."""
        return self.bundle.measures[measure.value]

    def article_of(self, measure: Measure) -> str:
        """``Art 44``: the article a request for ``measure`` is made under, as reasons say it."""
        return f"Art {self.measure(measure).articles[0]}"

    @property
    def facts(self) -> ScreeningFacts:
        """The treaty's screening facts (its offences, scope, general articles): a bundle
        without them has no screening rules, so the screener is never built for it."""
        assert self.bundle.screening_facts is not None
        return self.bundle.screening_facts

    def applies(self, rule_id: str) -> bool:
        """Whether this treaty applies the rule (lists it in its screening.yaml)."""
        return rule_id in self.bundle.screening

    def basis(self, rule_id: str, default: str) -> str:
        """How a rule's reasons name the provision it rests on in this treaty."""
        entry = self.bundle.screening_rules.get(rule_id)
        return entry.basis if entry is not None and entry.basis else default

    def governing(self, a: str, b: str, on: date) -> Agreement | None:
        """Another treaty whose provisions govern a request between ``a`` and ``b`` on ``on``."""
        return agreements.governing(self.agreements, a, b, on)

    def value(self, name: str, on: date) -> Value:
        key = (name, on)
        if key not in self._values:
            self._values[key] = self.bundle.constant(name, on).require()
        return self._values[key]


EMERGENCY_WORDING = "requester.emergency_wording"  # the group of the policy's wording

TEXT_FIELDS: dict[str, Callable[[Request], str | None]] = {
    "offence.description": lambda r: r.offence.description,
    "facts": lambda r: r.facts,
    "assistance_sought": lambda r: r.assistance_sought,
    "data.custodian": lambda r: r.data.custodian,
}

_READERS = tuple(TEXT_FIELDS.values())


def governed_by(ctx: Context) -> Agreement | None:
    """For a request for mutual legal assistance (not preservation or its disclosure step,
    which have their own articles), the other treaty that governs its form, contents and
    grounds between the two States on the date, if any."""
    known = ctx._governed
    if not known:
        req = ctx.request
        known.append(
            None
            if ctx.law.measure(req.measure).kind in STAND_ALONE_KINDS
            else ctx.law.governing(req.requesting_state, req.requested_state, ctx.on)
        )
    return known[0]


def governed_verdict(agreement: Agreement) -> Verdict:
    """What a Convention finding says when another treaty governs instead (UNTOC 18(7))."""
    return Verdict(
        Result.NOT_APPLICABLE,
        f"governed by {agreement.instrument}: its provisions apply instead of the "
        "Convention's (see basis.governing_treaty)",
        (("governed_by", agreement.instrument),),
    )


@dataclass(frozen=True, slots=True)
class Context:
    request: Request
    on: date
    law: Law
    # who is asking, as verified outside the screening (safeguards.requester)
    requester: RequesterEvidence = NONE
    _scans: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    _governed: list[Agreement | None] = field(default_factory=list)

    def scans(self) -> dict[str, dict[str, tuple[str, ...]]]:
        """Every word list's terms found in each text field, by field then group: the
        request's text is scanned once, in one pass, whichever rules ask."""
        if not self._scans:
            found = self.law.matcher.scan_fields([read(self.request) for read in _READERS])
            self._scans.update(zip(TEXT_FIELDS, found, strict=True))
        return self._scans

    def signal_key(self, prefix: str, *fields: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """``signals`` as a value a memo can key on: what a signal rule reads of the text."""
        return tuple(
            (group, tuple(terms)) for group, terms in self.signals(prefix, *fields).items()
        )

    def signals(self, prefix: str, *fields: str) -> dict[str, list[str]]:
        """Signal terms of the groups starting with ``prefix`` found in the named text fields."""
        out: dict[str, dict[str, None]] = {}
        scans = self.scans()
        for name in fields:
            for group, terms in scans[name].items():
                if group.startswith(prefix):
                    out.setdefault(group, {}).update(dict.fromkeys(terms))
        return {group: list(terms) for group, terms in out.items()}


REGISTRY: Registry[Context] = Registry()
RuleFunction = Callable[[Context], Verdict]
MEMO_LIMIT = 200_000  # entries; a long-running server starts afresh past it


def memoised(key: Callable[[Context], Hashable]) -> Callable[[RuleFunction], RuleFunction]:
    """For a rule whose verdict depends only on a few facts of the request (the two states and
    the date, say): compute it once per state of the law and key. Verdicts are immutable, so
    sharing them between decisions is safe, and a queue repeats the same facts constantly.

    The key is kept on the function (``memo_key``, with the plain function as ``__wrapped__``):
    the screener keeps the rule's whole finding per key, citations and outcome included, so a
    request whose facts it has seen costs the rule one look-up. The key must name everything
    the rule reads; ``tests/test_screening_fast.py`` screens drawn requests both ways."""

    def wrap(func: RuleFunction) -> RuleFunction:
        @wraps(func)
        def memo(ctx: Context) -> Verdict:
            cache = ctx.law._memo
            k = (func, key(ctx))
            found = cache.get(k)
            if found is None:
                if len(cache) >= MEMO_LIMIT:
                    cache.clear()
                found = cache[k] = func(ctx)
            return found

        memo.memo_key = key  # type: ignore[attr-defined]
        return memo

    return wrap


def unwrapped(func: RuleFunction) -> RuleFunction:
    """A rule's plain function, without its memo (what the reference path runs)."""
    plain: RuleFunction = getattr(func, "__wrapped__", func)
    return plain


def memo_key(func: RuleFunction) -> Callable[[Context], Hashable] | None:
    """The key a rule function was memoised on (``memoised``), or None."""
    found: Callable[[Context], Hashable] | None = getattr(func, "memo_key", None)
    return found
