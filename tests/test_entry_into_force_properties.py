"""Properties of the entry-into-force calculus that must hold for any set of deposits."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from rogatory.law import entry_into_force as eif
from rogatory.law.bundle import Bundle
from rogatory.parties import service
from rogatory.parties.instruments import Instrument, Kind
from rogatory.parties.register import Status
from rogatory.parties.scenarios import generated_codes
from rogatory.treaty import catalogue

RULE = catalogue.get("uncc").manifest.final_clauses.entry_into_force
CODES = generated_codes("XAA", 120)
START = date(2025, 10, 25)

day_offsets = st.integers(min_value=0, max_value=900)
deposit_sets = st.lists(
    st.tuples(
        day_offsets,
        st.sampled_from(["ratification", "acceptance", "approval", "accession"]),
        st.booleans(),
    ),
    min_size=0,
    max_size=90,
)


def _deposits(raw: list[tuple[int, str, bool]]) -> list[eif.Deposit]:
    return [
        eif.Deposit(CODES[i], kind, START + timedelta(days=d), reio)
        for i, (d, kind, reio) in enumerate(raw)
    ]


@settings(max_examples=300, deadline=None)
@given(deposit_sets, day_offsets, st.integers(min_value=0, max_value=1000))
def test_adding_an_instrument_never_moves_entry_into_force_later(
    raw: list[tuple[int, str, bool]], extra_day: int, as_of_offset: int
) -> None:
    as_of = START + timedelta(days=as_of_offset)
    deposits = _deposits(raw)
    before = eif.compute(RULE, deposits, as_of)
    after = eif.compute(
        RULE,
        [*deposits, eif.Deposit("XZZ", "ratification", START + timedelta(days=extra_day))],
        as_of,
    )
    if before.date is not None:
        assert after.date is not None and after.date <= before.date
    assert after.counted >= before.counted


@settings(max_examples=300, deadline=None)
@given(deposit_sets, st.integers(min_value=0, max_value=1000))
def test_bound_from_is_never_before_entry_into_force(
    raw: list[tuple[int, str, bool]], as_of_offset: int
) -> None:
    as_of = START + timedelta(days=as_of_offset)
    deposits = _deposits(raw)
    result = eif.compute(RULE, deposits, as_of)
    for dep in deposits:
        bound = eif.bound_from(RULE, result, dep.deposited_on)
        if result.date is None or dep.deposited_on > as_of:
            assert bound is None
        else:
            assert bound is not None and bound >= result.date and bound > dep.deposited_on


@settings(max_examples=200, deadline=None)
@given(deposit_sets)
def test_reio_instruments_never_count(raw: list[tuple[int, str, bool]]) -> None:
    deposits = _deposits(raw)
    as_of = START + timedelta(days=2000)
    counted = eif.compute(RULE, deposits, as_of).counted
    assert counted == sum(1 for d in deposits if not d.is_reio)


@settings(max_examples=100, deadline=None)
@given(st.lists(day_offsets, min_size=0, max_size=60, unique=True), st.integers(0, 1000))
def test_status_agrees_with_bound_from(offsets: list[int], as_of_offset: int) -> None:
    """Through the whole register: a party is bound exactly when bound_from has come."""
    bundle: Bundle = catalogue.get("uncc")
    instruments = [
        Instrument(CODES[i], Kind.RATIFICATION, START + timedelta(days=d), "t", False, "t")
        for i, d in enumerate(offsets)
    ]
    register = service.build(bundle, extra=instruments, ignore_shipped=True)
    on = START + timedelta(days=as_of_offset)
    for inst in instruments:
        ps = register.status(inst.state, on)
        if inst.on > on:
            assert ps.status is Status.NON_SIGNATORY
        elif ps.bound_from is not None and ps.bound_from <= on:
            assert ps.status is Status.BOUND
        else:
            assert ps.status is Status.RATIFIED_NOT_YET_BOUND


BUDAPEST = catalogue.get("budapest")
QUOTA_RULE = BUDAPEST.manifest.final_clauses.entry_into_force
PLAIN_RULE = QUOTA_RULE.model_copy(update={"including": []})
MEMBERS = ["FRA", "DEU", "ITA", "ESP", "NLD", "BEL", "AUT", "PRT"]  # members throughout 2001-2030
quota_sets = st.lists(
    st.tuples(st.integers(min_value=0, max_value=3000), st.booleans()), min_size=0, max_size=16
)


@given(quota_sets)
@settings(max_examples=150, deadline=None)
def test_a_quota_never_brings_entry_into_force_earlier(raw: list[tuple[int, bool]]) -> None:
    """'Five States, including at least three members': never before five States, never before
    the third member; and with members only it is the plain count of five."""
    start = date(2002, 1, 1)
    members = iter(MEMBERS)
    outsiders = iter(CODES)
    deposits = [
        eif.Deposit(
            next(members) if member else next(outsiders), "ratification", start + timedelta(days=d)
        )
        for d, member in raw[: len(MEMBERS)]
    ]
    as_of = date(2031, 1, 1)
    with_quota = eif.compute(QUOTA_RULE, deposits, as_of, BUDAPEST.groups)
    plain = eif.compute(PLAIN_RULE, deposits, as_of)
    member_dates = sorted(d.deposited_on for d in deposits if d.party in MEMBERS)
    if with_quota.triggering_deposit is not None:
        assert plain.triggering_deposit is not None
        assert with_quota.triggering_deposit >= plain.triggering_deposit
        assert with_quota.triggering_deposit >= member_dates[2]
        assert with_quota.date == QUOTA_RULE.delay.after(with_quota.triggering_deposit)
    else:
        assert plain.triggering_deposit is None or len(member_dates) < 3
    if all(d.party in MEMBERS for d in deposits):
        assert with_quota.triggering_deposit == plain.triggering_deposit
