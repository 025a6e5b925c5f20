"""The register of parties and the dated queries on it.

Status on a date, in the order a careful reader applies them:

- ``denounced``: a denunciation has taken effect (Art 67, one year after receipt, unverified);
- ``bound``: consent was deposited and the Convention binds the state by that date (Art 65);
- ``ratified_not_yet_bound``: consent deposited, but entry into force (or the later-party
  delay) has not yet come;
- ``signatory``: signed (Art 64) but no consent to be bound yet;
- ``non_signatory``: nothing deposited by that date.

Only instruments dated on or before the query date count, so asking "as of" a past date
reproduces what was knowable then.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cached_property

from rogatory.law import entry_into_force as eif
from rogatory.law.bundle import Bundle
from rogatory.law.citation import Citation
from rogatory.parties import states
from rogatory.parties.declarations import Notification, Statement, Subject
from rogatory.parties.instruments import Instrument, Kind, deposits


class Status(StrEnum):
    NON_SIGNATORY = "non_signatory"
    SIGNATORY = "signatory"
    RATIFIED_NOT_YET_BOUND = "ratified_not_yet_bound"
    BOUND = "bound"
    DENOUNCED = "denounced"


@dataclass(frozen=True, slots=True)
class PartyStatus:
    """A state's position on a date, with the instruments and citations it rests on."""

    state: states.State
    on: date
    status: Status
    bound_from: date | None
    signature: Instrument | None
    consent: Instrument | None
    denunciation: Instrument | None
    denunciation_effective: date | None
    cites: tuple[Citation, ...]
    unknown: bool = False  # named nowhere in party data known to be incomplete
    incomplete: bool = False  # the party data it rests on is known to miss instruments

    @property
    def unverified(self) -> list[Citation]:
        """The provisions this status rests on that nobody has checked in the authentic text."""
        return [c for c in self.cites if not c.verified]

    def explain(self) -> str:
        """One plain sentence on why the state has this status."""
        code = self.state.code
        if self.status is Status.DENOUNCED:
            assert self.denunciation is not None
            return (
                f"{code} denounced on {self.denunciation.on}, effective "
                f"{self.denunciation_effective}"
            )
        if self.status is Status.BOUND:
            assert self.consent is not None
            kind = self.consent.kind.value
            return f"{code} is bound since {self.bound_from} ({kind} of {self.consent.on})"
        if self.status is Status.RATIFIED_NOT_YET_BOUND:
            assert self.consent is not None
            when = (
                f"bound from {self.bound_from}"
                if self.bound_from
                else "the Convention has not yet received the instruments it needs to enter "
                "into force"
            )
            kind = self.consent.kind.value
            return f"{code} deposited its {kind} on {self.consent.on} but is not yet bound: {when}"
        if self.status is Status.SIGNATORY:
            assert self.signature is not None
            hedge = (
                ", as far as the shipped party data shows (it is incomplete: add a later "
                "instrument with --instruments)"
                if self.incomplete
                else ""
            )
            return f"{code} signed on {self.signature.on} but has not consented to be bound{hedge}"
        if self.unknown:
            return (
                f"{code} is not in the shipped party data, which is incomplete: whether it had "
                f"deposited an instrument by {self.on} is not known (add it with --instruments)"
            )
        return f"{code} has deposited no instrument by {self.on}"


@dataclass(frozen=True, slots=True)
class Between:
    """Whether the Convention is in force between two states on a date, and why not."""

    on: date
    in_force: bool
    parties: tuple[PartyStatus, PartyStatus]

    @property
    def reasons(self) -> list[str]:
        return [p.explain() for p in self.parties if p.status is not Status.BOUND]


@dataclass(frozen=True, slots=True)
class _History:
    signature: Instrument | None
    consent: Instrument | None
    denunciation: Instrument | None
    denunciation_effective: date | None


_NO_HISTORY = _History(None, None, None, None)


@dataclass(eq=False)
class Register:
    """All instruments, statements and notifications known for one bundle."""

    bundle: Bundle
    instruments: Sequence[Instrument]
    reservations: Sequence[Statement] = ()
    declarations: Sequence[Statement] = ()
    notifications: Sequence[Notification] = ()
    gaps: Sequence[str] = ()
    parties_complete: bool = True  # false: the data is known to miss States (a cut-off chart)
    _cache: dict[date, eif.EntryIntoForce] = field(default_factory=dict, repr=False)
    _status_cache: dict[tuple[str, date], PartyStatus] = field(default_factory=dict, repr=False)
    _bound_cache: dict[tuple[date | None, date | None, date], date | None] = field(
        default_factory=dict, repr=False
    )
    _cite_cache: dict[tuple[bool, bool, bool, bool], tuple[Citation, ...]] = field(
        default_factory=dict, repr=False
    )

    def instruments_of(self, code: str) -> list[Instrument]:
        """A state's instruments in date order."""
        return list(self._by_state.get(states.lookup(code).code, []))

    @cached_property
    def _by_state(self) -> dict[str, list[Instrument]]:
        out: dict[str, list[Instrument]] = defaultdict(list)
        for inst in sorted(self.instruments, key=lambda i: i.on):
            out[inst.state].append(inst)
        return dict(out)

    @cached_property
    def _deposits(self) -> list[eif.Deposit]:
        return deposits(self.instruments, self.bundle.manifest.final_clauses.consent_kinds)

    @property
    def rule(self) -> eif.EntryIntoForceRule:
        return self.bundle.manifest.final_clauses.entry_into_force

    def known_states(self) -> list[str]:
        """Every state with at least one instrument, statement or notification."""
        codes = set(self._by_state)
        codes |= {s.state for s in [*self.reservations, *self.declarations]}
        codes |= {n.state for n in self.notifications}
        return sorted(codes)

    def entry_into_force(self, on: date) -> eif.EntryIntoForce:
        if on not in self._cache:
            self._cache[on] = eif.compute(self.rule, self._deposits, on, self.bundle.groups)
        return self._cache[on]

    @cached_property
    def _histories(self) -> dict[str, _History]:
        """Each state's signature, consent and denunciation, found once.

        The consistency check guarantees at most one of each per state, so a dated query only
        compares dates; this keeps "every state on every day" queries cheap.
        """
        consent_kinds = set(self.bundle.manifest.final_clauses.consent_kinds)
        delay = self.bundle.manifest.final_clauses.denunciation.delay
        out: dict[str, _History] = {}
        for code, items in self._by_state.items():
            signature = next((i for i in items if i.kind is Kind.SIGNATURE), None)
            consent = next((i for i in items if i.kind.value in consent_kinds), None)
            denunciation = next((i for i in items if i.kind is Kind.DENUNCIATION), None)
            effective = delay.after(denunciation.on) if denunciation else None
            out[code] = _History(signature, consent, denunciation, effective)
        return out

    def status(self, code: str, on: date) -> PartyStatus:
        key = (code, on)
        found = self._status_cache.get(key)
        if found is None:
            found = self._status_cache[key] = self._status(code, on)
        return found

    def _status(self, code: str, on: date) -> PartyStatus:
        state = states.lookup(code)
        history = self._histories.get(state.code, _NO_HISTORY)
        signature = history.signature if history.signature and history.signature.on <= on else None
        consent = history.consent if history.consent and history.consent.on <= on else None
        denunciation = (
            history.denunciation if history.denunciation and history.denunciation.on <= on else None
        )
        effective = history.denunciation_effective if denunciation else None
        bound = self._bound_from(self.entry_into_force(on), consent.on) if consent else None
        if effective is not None and effective <= on:
            status = Status.DENOUNCED
        elif consent is not None and bound is not None and bound <= on:
            status = Status.BOUND
        elif consent is not None:
            status = Status.RATIFIED_NOT_YET_BOUND
        elif signature is not None:
            status = Status.SIGNATORY
        else:
            status = Status.NON_SIGNATORY
        result = self.entry_into_force(on)
        later = (
            consent is not None
            and result.triggering_deposit is not None
            and consent.on > result.triggering_deposit
        )
        cites = self._cites(
            signature is not None, consent is not None, later, status is Status.DENOUNCED
        )
        unknown = (
            not self.parties_complete
            and state.kind is not states.StateKind.TEST  # never in real data: a fact of the test
            and state.code not in self._histories
            and on >= self.bundle.manifest.final_clauses.signature.opens
        )
        return PartyStatus(
            state,
            on,
            status,
            bound,
            signature,
            consent,
            denunciation,
            effective,
            cites,
            unknown,
            not self.parties_complete,
        )

    def _bound_from(self, result: eif.EntryIntoForce, deposited_on: date) -> date | None:
        """``bound_from`` depends only on the entry-into-force result and the deposit date."""
        key = (result.date, result.triggering_deposit, deposited_on)
        if key not in self._bound_cache:
            self._bound_cache[key] = eif.bound_from(self.rule, result, deposited_on)
        return self._bound_cache[key]

    def _cites(
        self, signed: bool, consented: bool, later: bool, denounced: bool
    ) -> tuple[Citation, ...]:
        """The provisions a status rests on, and only those.

        For the Convention: Art 64 for a signature, Art 65(1) for consent, Art 65(2) only when
        the state deposited after the fortieth instrument, Art 67 once a denunciation took
        effect. So an unverified clause is flagged exactly where an answer depends on it.
        """
        key = (signed, consented, later, denounced)
        if key not in self._cite_cache:
            self._cite_cache[key] = self._build_cites(*key)
        return self._cite_cache[key]

    def _build_cites(
        self, signed: bool, consented: bool, later: bool, denounced: bool
    ) -> tuple[Citation, ...]:
        clauses = self.bundle.manifest.final_clauses
        cites: list[Citation] = [clauses.signature.cite] if signed else []
        if consented:
            cites += self.rule.cite
        if later:
            cites += self.rule.later_parties_cite
        if denounced:
            cites.append(clauses.denunciation.cite)
        return tuple(cites)

    def statuses(self, on: date, codes: Iterable[str] | None = None) -> list[PartyStatus]:
        return [self.status(c, on) for c in (self.known_states() if codes is None else codes)]

    def in_force_between(self, first: str, second: str, on: date) -> Between:
        a, b = self.status(first, on), self.status(second, on)
        return Between(on, a.status is Status.BOUND and b.status is Status.BOUND, (a, b))

    def statements_in_effect(self, code: str, on: date) -> list[Statement]:
        """Reservations and declarations that apply on a date: made, not withdrawn, state bound.

        A reservation formulated at signature does not yet modify obligations the state does
        not have; it applies from the date the Convention binds the state.
        """
        state = states.lookup(code)
        if self.status(state.code, on).status is not Status.BOUND:
            return []
        return [
            s
            for s in [*self.reservations, *self.declarations]
            if s.state == state.code and s.in_effect_on(on)
        ]

    def reservations_in_effect(self, code: str, on: date) -> list[Statement]:
        return [s for s in self.statements_in_effect(code, on) if s in self.reservations]

    def notifications_in_effect(self, code: str, on: date) -> dict[Subject, Notification]:
        """The latest notification on each subject made by that date."""
        state = states.lookup(code)
        out: dict[Subject, Notification] = {}
        for n in sorted(self.notifications, key=lambda n: n.made_on):
            if n.state == state.code and n.made_on <= on:
                out[n.subject] = n
        return out
