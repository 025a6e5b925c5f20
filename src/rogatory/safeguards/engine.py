"""The screening engine: every rule on every request, combined into one explained decision.

A :class:`Screener` is built once from the law (bundle, party register, domestic-law mappings,
signals) and then screens any number of requests. Rule citations are resolved against the
bundle when the screener is built, so a rule citing a provision that is not encoded stops the
program at start-up, not in the middle of a decision.
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from rogatory.errors import Problem, ProblemCollector, ProblemList, RogatoryError
from rogatory.law.bundle import Bundle
from rogatory.law.citation import Citation, Level, parse_provision_id
from rogatory.law.decision import (
    PRECEDENCE,
    Finding,
    Kind,
    Outcome,
    Registry,
    Result,
    Rule,
    Verdict,
    combine,
    engaged,
    evaluate,
    mark_overridden,
    rank,
)
from rogatory.parties import service
from rogatory.parties.register import Register
from rogatory.safeguards import agreements, domestic, rules, signals
from rogatory.safeguards import request as request_doc
from rogatory.safeguards.agreements import Agreement
from rogatory.safeguards.context import (
    MEMO_LIMIT,
    REGISTRY,
    Context,
    Law,
    governed_by,
    governed_verdict,
    memo_key,
    unwrapped,
)
from rogatory.safeguards.domestic import DomesticLaw
from rogatory.safeguards.request import Measure, Request
from rogatory.safeguards.requester import NONE, RequesterEvidence, RequesterPolicy
from rogatory.safeguards.rules import completeness
from rogatory.safeguards.signals import Signals
from rogatory.treaty import catalogue

assert rules.MODULES  # importing rules registers them
IN_FORCE = "relation.in_force"
# One rule as the fast path runs it: the plain rule, its citations, its memo key (None: run
# every time) and the findings made per key, each with its rank and whether it overrides.
_Step = tuple[
    Rule[Context],
    tuple[Citation, ...],
    Callable[[Context], Hashable] | None,
    dict[Hashable, tuple[Finding, int, bool]],
]
_UNKEYED = object()  # a rule without a memo key: evaluated every time
_PROCEED_RANK = rank(Outcome.PROCEED)  # whose pass puts the Convention among the legal bases


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome, every finding, and what it was evaluated against."""

    outcome: Outcome
    as_of: date
    bundle_revision: str
    findings: tuple[Finding, ...]
    evaluated_at: datetime
    legal_bases: tuple[dict[str, Any], ...] = ()
    treaty: dict[str, str] | None = None
    requester: RequesterEvidence = NONE

    @property
    def unverified_provisions(self) -> list[str]:
        """Unverified provisions the decision rests on (those of findings that applied)."""
        seen: dict[str, None] = {}
        for f in self.findings:
            if f.result is Result.NOT_APPLICABLE:
                continue
            for c in f.cites:
                if not c.verified:
                    seen[c.provision_id] = None
        return list(seen)

    def finding(self, rule_id: str) -> Finding:
        return next(f for f in self.findings if f.rule == rule_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.value,
            "treaty": self.treaty,
            "as_of": self.as_of.isoformat(),
            "bundle_revision": self.bundle_revision,
            "evaluated_at": self.evaluated_at.isoformat(),
            "findings": [finding_json(f) for f in self.findings],
            "unverified_provisions": self.unverified_provisions,
            "legal_bases": list(self.legal_bases),
            "requester": requester_json(self.requester),
        }


def requester_json(evidence: RequesterEvidence) -> dict[str, Any]:
    """How the sender was verified, as a decision records it: the signature's result, the
    key and registered authority, and each check made."""
    a = evidence.authority
    return {
        "signature": evidence.signature.value,
        "kid": evidence.kid,
        "authority": None
        if a is None
        else {"id": a.id, "name": a.name, "state": a.state, "kind": a.kind.value},
        "sender_domain": evidence.sender_domain,
        "checks": [{"check": c.name, "ok": c.ok, "message": c.message} for c in evidence.checks],
        "call_backs": [
            {
                "number": c.number,
                "authority": c.authority,
                "by": c.by,
                "at": c.at.isoformat(),
                "outcome": c.outcome.value,
            }
            for c in evidence.call_backs
        ],
    }


def _cite_json(c: Citation) -> dict[str, Any]:
    return {
        "instrument": c.instrument,
        "article": c.article,
        "paragraph": c.paragraph,
        "verified": c.verified,
        "verification": c.verification.value,
    }


def finding_json(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "result": f.result.value,
        "outcome": f.outcome.value,
        "cites": [_cite_json(c) for c in f.cites],
        "reason": f.reason,
        "verified": f.verified,
        "verification": Level.weakest(c.verification for c in f.cites).value,
        "flags": [flag.value for flag in f.flags],
        "read": {k: list(v) if isinstance(v, tuple) else v for k, v in f.read},
    }


class Screener:
    """Screens requests against one state of the law."""

    def __init__(self, law: Law) -> None:
        REGISTRY.check()
        _check_measures(law)
        self.law = law
        applied = law.bundle.screening
        unknown = sorted(set(applied) - {r.id for r in REGISTRY.rules})
        if not applied or unknown:
            raise RogatoryError(
                "rules.screening_rules",
                f"{law.bundle.id}/screening.yaml: "
                + (f"unknown rules {unknown}" if unknown else "no screening rules"),
                help="known rules: " + ", ".join(r.id for r in REGISTRY.rules),
            )
        self.rules = tuple(
            (
                _as_applied(rule, law),
                (
                    *(self._cite(p) for p in applied[rule.id]),
                    *law.bundle.part_citations(rule.id),
                ),
            )
            for rule in REGISTRY.rules
            if rule.id in applied
        )
        named = {r for a in law.bundle.articles for part in a.parts for r in part.rules}
        if named - set(applied):
            raise RogatoryError(
                "rules.screening_rules",
                f"{law.bundle.id}/provisions.yaml: parts name rules the treaty does not apply: "
                f"{sorted(named - set(applied))}",
            )
        self._bases: dict[tuple[str, str, date], tuple[dict[str, Any], ...]] = {}
        self._family: dict[str, Screener] = {self.treaty: self}
        bundle = law.bundle
        self.treaty_info = {
            "id": bundle.id,
            "instrument": bundle.instrument,
            "title": bundle.manifest.short_title,
        }

    @property
    def rules(self) -> tuple[tuple[Rule[Context], tuple[Citation, ...]], ...]:
        """The rules this screener applies, in order, each with what it cites."""
        return self._rules

    @rules.setter
    def rules(self, rules: tuple[tuple[Rule[Context], tuple[Citation, ...]], ...]) -> None:
        # What screening runs per request, worked out once: each rule as plain code (the
        # reference path), and, for a rule memoised on the facts it reads, its key and the
        # findings already made per key (the fast path).
        self._rules = rules
        self._rule_list = tuple(rule for rule, _ in rules)
        self._plain = tuple(
            (dataclasses.replace(rule, func=unwrapped(rule.func)), cites) for rule, cites in rules
        )
        self._plan: tuple[_Step, ...] = tuple(
            (plain, cites, memo_key(rule.func), {})
            for (rule, cites), (plain, _) in zip(rules, self._plain, strict=True)
        )

    @property
    def treaty(self) -> str:
        """The id of the treaty this screener applies (its bundle's id): what a case and each
        of its screenings record, so a decision is always read under the law it applied."""
        return self.law.bundle.id

    def members(self) -> list[Screener]:
        """Every screener this one was loaded with, itself first, then by treaty id."""
        return [self, *(s for t, s in sorted(self._family.items()) if s is not self)]

    def parse(self, document: Any, *, file: str | None = None) -> Request:
        """A request document validated for this treaty: its offence articles are this
        treaty's (UN Arts 7-17, Budapest Arts 2-11)."""
        return request_doc.parse(
            document, file=file, treaty=self.treaty, offences=self.law.facts.offences
        )

    def under(self, treaty: str) -> Screener:
        """The screener for ``treaty`` among those this one was loaded with (``family``): a
        case screened under one treaty is screened again under the same one, whatever the
        service's default is."""
        found = self._family.get(treaty)
        if found is None:
            raise RogatoryError(
                "case.treaty_unavailable",
                f"this service does not screen requests under {treaty!r}",
                help="treaties it screens under: " + ", ".join(sorted(self._family)),
            )
        return found

    def _cite(self, provision_id: str) -> Citation:
        instrument, article, paragraph = parse_provision_id(provision_id)
        if instrument != self.law.bundle.id:
            raise ValueError(f"{provision_id!r} is not in bundle {self.law.bundle.id!r}")
        return self.law.bundle.content_citation(article, paragraph)

    def screen(
        self,
        request: Request,
        on: date | None = None,
        *,
        requester: RequesterEvidence = NONE,
    ) -> Decision:
        """Screen one request as of ``on`` (default: the date it was submitted), with what was
        verified about its sender (``requester``; default: nothing was)."""
        return self._screen(request, on, datetime.now(UTC), requester)

    def check_request(self, request: Request) -> None:
        """The request's offence articles are offences of this treaty: a request validated
        against another treaty's numbering is an input error here, naming the field."""
        offences = self.law.facts.offences
        problems = [
            Problem(
                "request.invalid_value",
                f"field offence.{name}[{i}]: Article {a} is not an offence article of "
                f"{self.law.bundle.instrument} (offences are {offences.label})",
                None,
            )
            for name, values in (
                ("treaty_articles", request.offence.treaty_articles),
                ("requested_state_articles", request.offence.requested_state_articles or []),
            )
            for i, a in enumerate(values)
            if a not in offences
        ]
        if problems:
            raise ProblemList("request.invalid", "request", problems)

    def _screen(
        self,
        request: Request,
        on: date | None,
        now: datetime,
        requester: RequesterEvidence = NONE,
    ) -> Decision:
        self.check_request(request)
        ctx = Context(request, on or request.submitted_on, self.law, requester)
        made: list[Finding] = []
        best = _PROCEED_RANK
        engaged_any = False
        for rule, cites, key, seen in self._plan:
            k = key(ctx) if key is not None else _UNKEYED
            entry = seen.get(k) if key is not None else None
            if entry is None:
                finding = evaluate(rule, ctx, cites)
                entry = (
                    finding,
                    rank(finding.outcome, finding.flags),
                    rule.overrides is not None and engaged(finding),
                )
                if key is not None:
                    if len(seen) >= MEMO_LIMIT:
                        seen.clear()
                    seen[k] = entry
            made.append(entry[0])
            if entry[1] < best:
                best = entry[1]
            engaged_any = engaged_any or entry[2]
        if engaged_any:  # a duty overridden: its finding changes, so combine again
            findings = mark_overridden(self._rule_list, made)
            return self._decision(request, ctx, findings, now, combine(findings))
        return self._decision(request, ctx, tuple(made), now, PRECEDENCE[best][0])

    def screen_reference(
        self,
        request: Request,
        on: date | None = None,
        *,
        requester: RequesterEvidence = NONE,
    ) -> Decision:
        """The straightforward path: every rule's plain function run on the request, nothing
        memoised. What ``screen`` must always equal (the property tests hold them to it)."""
        self.check_request(request)
        ctx = Context(request, on or request.submitted_on, self.law, requester)
        findings = mark_overridden(
            self._rule_list, [evaluate(rule, ctx, cites) for rule, cites in self._plain]
        )
        return self._decision(request, ctx, findings, datetime.now(UTC))

    def _decision(
        self,
        request: Request,
        ctx: Context,
        findings: tuple[Finding, ...],
        now: datetime,
        outcome: Outcome | None = None,
    ) -> Decision:
        requester = ctx.requester
        return Decision(
            combine(findings) if outcome is None else outcome,
            ctx.on,
            self.law.bundle.revision,
            findings,
            now,
            self._legal_bases(request, ctx.on),
            self.treaty_info,
            requester,
        )

    def _legal_bases(self, request: Request, on: date) -> tuple[dict[str, Any], ...]:
        """Every instrument in force between the two States on the date, the treaty screened
        first when it is, then the other shipped treaties, then the agreements file: what a
        central authority asks before choosing the channel, read from the one report
        ``rogatory basis`` prints (``Law.bases``, once per pair and date)."""
        a, b = request.requesting_state, request.requested_state
        key = (a, b, on)
        found = self._bases.get(key)
        if found is None:
            if len(self._bases) >= MEMO_LIMIT:
                self._bases.clear()
            found = self._bases[key] = self._bases_between(a, b, on)
        return found

    def _bases_between(self, a: str, b: str, on: date) -> tuple[dict[str, Any], ...]:
        report = self.law.bases(a, b, on)
        own = self.law.bundle.instrument
        shipped = sorted(
            (x for x in report.bases if x.source == "shipped" and x.in_force),
            key=lambda x: x.instrument != own,
        )
        out: list[dict[str, Any]] = [
            {"instrument": x.instrument, "title": x.title, "source": x.source} for x in shipped
        ]
        governing = self.law.governing(a, b, on)
        for ag in agreements.between(self.law.agreements, a, b, on):
            out.append(
                {
                    "instrument": ag.instrument,
                    "in_force_from": ag.in_force_from.isoformat(),
                    "in_force_until": ag.in_force_until.isoformat() if ag.in_force_until else None,
                    "uses_convention_paragraphs": ag.uses_convention_paragraphs,
                    "governs": ag is governing,
                }
            )
        return tuple(out)

    def screen_many(self, requests: Iterable[Request], on: date | None = None) -> list[Decision]:
        """Screen a batch against the same law, as of one clock time.

        The cyclic garbage collector is paused for the batch: decisions hold no reference
        cycles, so reference counting frees them, and a batch of thousands of live decisions
        would otherwise make each collection scan all of them again.
        """
        now = datetime.now(UTC)
        paused = gc.isenabled()
        gc.disable()
        try:
            return [self._screen(r, on, now) for r in requests]
        finally:
            if paused:
                gc.enable()


def family(default: Screener, *others: Screener) -> Screener:
    """Link screeners of different treaties so each finds the others through ``under``;
    returns ``default``, the one a request that names no treaty is screened with."""
    members = {s.treaty: s for s in (default, *others)}
    if len(members) != 1 + len(others):
        raise ValueError("one screener per treaty")
    for screener in members.values():
        screener._family = members
    return default


def statement(rule: Rule[Context], bundle: Bundle, on: date | None = None) -> str:
    """A rule's statement with the numbers it names read from the bundle as of ``on``."""
    when = on or date.today()

    def value(name: str) -> object:
        found = bundle.constant(name, when)
        return found.value if found.known else f"[{name}: no value on {when}]"

    entry = bundle.screening_rules.get(rule.id)
    if entry is not None and entry.statement:
        rule = dataclasses.replace(rule, statement=entry.statement)
    return rule.stated(value)


def _as_applied(rule: Rule[Context], law: Law) -> Rule[Context]:
    """The rule as this treaty applies it: where its provision applies only when no other
    treaty governs the request (``governed: true``, Budapest Art 27(1)), that is checked
    before the rule's own function runs."""
    entry = law.bundle.screening_rules.get(rule.id)
    if entry is None or not entry.governed:
        return rule
    inner = rule.func

    def gated(ctx: Context) -> Verdict:
        agreement = governed_by(ctx)
        return governed_verdict(agreement) if agreement is not None else inner(ctx)

    plain = unwrapped(inner)

    def gated_plain(ctx: Context) -> Verdict:
        agreement = governed_by(ctx)
        return governed_verdict(agreement) if agreement is not None else plain(ctx)

    key = memo_key(inner)
    if key is not None:
        gated.memo_key = lambda ctx: (governed_by(ctx), key(ctx))  # type: ignore[attr-defined]
    gated.__wrapped__ = gated_plain  # type: ignore[attr-defined]
    return dataclasses.replace(rule, func=gated)


def _check_measures(law: Law) -> None:
    """The bundle's measures table covers every measure a request can name, and every ground
    it lists is a registered ground for refusal: checked once, when the law is loaded."""
    table = law.bundle.measures
    missing = [m.value for m in Measure if m.value not in table]
    unknown = [name for name in table if name not in Measure.__members__.values()]
    for rule in REGISTRY.rules:
        if rule.id in law.bundle.screening:
            statement(rule, law.bundle)  # every constant a statement names must exist
    grounds = {r.id for r in REGISTRY.rules if r.kind is Kind.REFUSAL_GROUND}
    bad = sorted({g for facts in table.values() for g in facts.grounds} - grounds)
    fields = {i.field for facts in table.values() for i in facts.required}
    bad += [f"required field {f}" for f in sorted(fields - set(completeness.PRESENT))]
    if missing or unknown or bad:
        raise RogatoryError(
            "rules.measures_table",
            f"{law.bundle.id}/measures.yaml: measures missing {missing or 'none'}, unknown "
            f"{unknown or 'none'}; grounds that are no registered ground for refusal, and "
            f"required fields the completeness rules cannot test: {bad or 'none'}",
        )


def build_law(
    *,
    register: Register,
    domestic_law: dict[str, DomesticLaw] | None = None,
    signals_: Signals | None = None,
    agreements_: tuple[Agreement, ...] = (),
    requester_policy: RequesterPolicy | None = None,
    others: tuple[Register, ...] = (),
) -> Law:
    bundle = register.bundle
    if signals_ is None:
        problems = ProblemCollector()
        signals_ = signals.read(
            bundle.root / "signals.yaml", problems, label=f"{bundle.id}/signals.yaml"
        )
        problems.raise_if_any("rules.invalid_bundle", f"signals of {bundle.id}")
        assert signals_ is not None
    return Law(
        bundle,
        register,
        domestic_law or {},
        signals_,
        agreements_,
        requester_policy or RequesterPolicy(),
        others,
    )


def load(
    *,
    bundle_id: str | None = None,
    instruments_file: Path | None = None,
    ignore_shipped: bool = False,
    domestic_law_files: list[Path] | None = None,
    signals_file: Path | None = None,
    declarations_file: Path | None = None,
    agreements_file: Path | None = None,
    requester_policy: RequesterPolicy | None = None,
    others: tuple[Register, ...] | None = None,
) -> Screener:
    """The screener the CLI uses: shipped law plus the user's files, all validated first.

    ``bundle_id`` picks the treaty (default: the catalogue's default, the UN Convention); the
    instruments and declarations files are read as that treaty's. ``others`` are the other
    treaties' party registers its legal bases read (default: every other shipped treaty's
    shipped data)."""
    register = service.load(
        **({"bundle_id": bundle_id} if bundle_id is not None else {}),
        instruments_file=instruments_file,
        ignore_shipped=ignore_shipped,
        declarations_file=declarations_file,
    )
    problems = ProblemCollector()
    mappings = domestic.read(domestic_law_files or [], problems)
    custom = signals.read(signals_file, problems, label=str(signals_file)) if signals_file else None
    treaties = agreements.read(agreements_file, problems) if agreements_file else ()
    problems.raise_if_any("input.invalid", "the input files are invalid")
    if others is None:
        others = tuple(
            service.load(bundle_id=other)
            for other in catalogue.bundle_ids()
            if other != register.bundle.id
        )
    return Screener(
        build_law(
            register=register,
            domestic_law=mappings,
            signals_=custom,
            agreements_=treaties,
            requester_policy=requester_policy,
            others=others,
        )
    )


def load_family(
    *,
    instruments_file: Path | None = None,
    ignore_shipped: bool = False,
    agreements_file: Path | None = None,
    requester_policy: RequesterPolicy | None = None,
) -> Screener:
    """What the service screens with: the default treaty's screener (with the user's
    instruments) linked with one for every other shipped treaty that has screening rules (its
    shipped party data), so a case can be taken in, and screened again, under any of them."""
    default = load(
        instruments_file=instruments_file,
        ignore_shipped=ignore_shipped,
        agreements_file=agreements_file,
        requester_policy=requester_policy,
    )
    registers = [default.law.register, *default.law.others]
    others = [
        load(
            bundle_id=bundle_id,
            agreements_file=agreements_file,
            requester_policy=requester_policy,
            others=tuple(r for r in registers if r.bundle.id != bundle_id),
        )
        for bundle_id in catalogue.bundle_ids()
        if bundle_id != default.treaty and catalogue.get(bundle_id).screening
    ]
    return family(default, *others)


def registry() -> Registry[Context]:
    """The registered screening rules (importing this module registers them)."""
    return REGISTRY
