"""Dated values and treaty date arithmetic."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from rogatory.errors import RogatoryError
from rogatory.law.calendar import Align, Delay, add_months
from rogatory.law.dated import DatedValue, Reason

CITE = {"instrument": "T", "article": 1, "source": "S", "verification": "recollection"}


def _value(*history: dict[str, object]) -> DatedValue:
    return DatedValue.model_validate({"description": "test", "history": list(history)})


def test_value_takes_effect_from_its_date() -> None:
    v = _value(
        {"from": "2025-01-01", "value": 60, "cite": CITE},
        {"from": "2027-01-01", "value": 90, "cite": CITE},
    )
    assert v.at("x", date(2024, 12, 31)).reason is Reason.NOT_YET_EFFECTIVE
    assert v.at("x", date(2025, 1, 1)).value == 60
    assert v.at("x", date(2026, 12, 31)).value == 60
    res = v.at("x", date(2027, 1, 1))
    assert res.value == 90 and res.since == date(2027, 1, 1) and res.cite is not None


def test_repealed_and_announced_values_are_explicit_never_defaults() -> None:
    v = _value(
        {"from": "2025-01-01", "value": 60, "cite": CITE},
        {"from": "2026-01-01", "status": "announced", "cite": CITE},
        {"from": "2028-01-01", "status": "repealed", "cite": CITE},
    )
    assert v.at("x", date(2026, 6, 1)).reason is Reason.ANNOUNCED_UNKNOWN
    assert v.at("x", date(2028, 6, 1)).reason is Reason.REPEALED
    with pytest.raises(RogatoryError) as info:
        v.at("x", date(2028, 6, 1)).require()
    assert info.value.code == "law.no_value" and "repealed" in info.value.message


def test_an_announcement_without_a_date_does_not_change_the_value() -> None:
    v = _value(
        {"from": "2025-01-01", "value": 60, "cite": CITE},
        {"status": "announced", "cite": CITE, "note": "amendment proposed"},
    )
    assert v.at("x", date(2030, 1, 1)).value == 60
    assert len(v.announcements()) == 1


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"value": 1, "cite": CITE}, "needs 'from'"),
        ({"from": "2025-01-01", "cite": CITE}, "needs a 'value'"),
        ({"from": "2025-01-01", "status": "repealed", "value": 3, "cite": CITE}, "carries no"),
        ({"from": "2025-01-01", "value": 1}, "cite"),
    ],
)
def test_malformed_entries_are_refused(entry: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        _value(entry)
    assert message in str(info.value)


def test_history_must_be_in_order() -> None:
    with pytest.raises(ValidationError, match="increasing order"):
        _value(
            {"from": "2027-01-01", "value": 1, "cite": CITE},
            {"from": "2025-01-01", "value": 2, "cite": CITE},
        )


def test_ninetieth_day_after() -> None:
    # UNTOC: 40th deposit 1 July 2003, in force 29 September 2003.
    assert Delay(days=90).after(date(2003, 7, 1)) == date(2003, 9, 29)


def test_one_year_after_a_leap_day_is_28_february() -> None:
    assert Delay(years=1).after(date(2028, 2, 29)) == date(2029, 2, 28)
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)


def test_first_day_of_the_month_after_three_months() -> None:
    # The Budapest Convention's shape (ETS 185 Art 36(3)): the engine needs no new code for it.
    delay = Delay(months=3, align=Align.FIRST_DAY_OF_NEXT_MONTH)
    assert delay.after(date(2004, 3, 18)) == date(2004, 7, 1)
    assert delay.describe() == "first day of the month after 3 months"
