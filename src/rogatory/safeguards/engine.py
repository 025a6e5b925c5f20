"""The screening engine: every rule on every request, combined into one explained decision.

A :class:`Screener` is built once from the law (bundle, party register, domestic-law mappings,
signals) and then screens any number of requests. Rule citations are resolved against the
bundle when the screener is built, so a rule citing a provision that is not encoded stops the
program at start-up, not in the middle of a decision.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from rogatory.errors import ProblemCollector
from rogatory.law.citation import Citation, Level, parse_provision_id
from rogatory.law.decision import Finding, Outcome, Registry, Result, Rule, combine, evaluate
from rogatory.parties import service
from rogatory.parties.register import Register
from rogatory.safeguards import domestic, rules, signals
from rogatory.safeguards.context import REGISTRY, Context, Law
from rogatory.safeguards.domestic import DomesticLaw
from rogatory.safeguards.request import Request
from rogatory.safeguards.signals import Signals

assert rules.MODULES  # importing rules registers them


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome, every finding, and what it was evaluated against."""

    outcome: Outcome
    as_of: date
    bundle_revision: str
    findings: tuple[Finding, ...]
    evaluated_at: datetime

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
            "as_of": self.as_of.isoformat(),
            "bundle_revision": self.bundle_revision,
            "evaluated_at": self.evaluated_at.isoformat(),
            "findings": [finding_json(f) for f in self.findings],
            "unverified_provisions": self.unverified_provisions,
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
        self.law = law
        self.rules: tuple[tuple[Rule[Context], tuple[Citation, ...]], ...] = tuple(
            (rule, tuple(self._cite(p) for p in rule.cites)) for rule in REGISTRY.rules
        )

    def _cite(self, provision_id: str) -> Citation:
        instrument, article, paragraph = parse_provision_id(provision_id)
        if instrument != self.law.bundle.id:
            raise ValueError(f"{provision_id!r} is not in bundle {self.law.bundle.id!r}")
        return self.law.bundle.citation(article, paragraph)

    def screen(self, request: Request, on: date | None = None) -> Decision:
        """Screen one request as of ``on`` (default: the date it was submitted)."""
        return self._screen(request, on, datetime.now(UTC))

    def _screen(self, request: Request, on: date | None, now: datetime) -> Decision:
        ctx = Context(request, on or request.submitted_on, self.law)
        findings = tuple([evaluate(rule, ctx, cites) for rule, cites in self.rules])
        return Decision(
            combine(f.outcome for f in findings), ctx.on, self.law.bundle.revision, findings, now
        )

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


def build_law(
    *,
    register: Register,
    domestic_law: dict[str, DomesticLaw] | None = None,
    signals_: Signals | None = None,
) -> Law:
    bundle = register.bundle
    if signals_ is None:
        problems = ProblemCollector()
        signals_ = signals.read(
            bundle.root / "signals.yaml", problems, label=f"{bundle.id}/signals.yaml"
        )
        problems.raise_if_any("rules.invalid_bundle", f"signals of {bundle.id}")
        assert signals_ is not None
    return Law(bundle, register, domestic_law or {}, signals_)


def load(
    *,
    instruments_file: Path | None = None,
    ignore_shipped: bool = False,
    domestic_law_files: list[Path] | None = None,
    signals_file: Path | None = None,
    declarations_file: Path | None = None,
) -> Screener:
    """The screener the CLI uses: shipped law plus the user's files, all validated first."""
    register = service.load(
        instruments_file=instruments_file,
        ignore_shipped=ignore_shipped,
        declarations_file=declarations_file,
    )
    problems = ProblemCollector()
    mappings = domestic.read(domestic_law_files or [], problems)
    custom = signals.read(signals_file, problems, label=str(signals_file)) if signals_file else None
    problems.raise_if_any("input.invalid", "the input files are invalid")
    return Screener(build_law(register=register, domestic_law=mappings, signals_=custom))


def registry() -> Registry[Context]:
    """The registered screening rules (importing this module registers them)."""
    return REGISTRY
