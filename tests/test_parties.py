"""The parties register: shipped data, statuses, reservations, notifications, input errors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import pytest

from rogatory.errors import ProblemList, RogatoryError
from rogatory.law.bundle import Bundle
from rogatory.parties import service, states
from rogatory.parties.declarations import DeclarationsFile, Notification, Statement, Subject
from rogatory.parties.instruments import Instrument
from rogatory.parties.register import Register, Status
from tests.conftest import inst, ratifications

Make = Callable[[Sequence[Instrument]], Register]


def test_shipped_signatories(uncc: Bundle) -> None:
    register = service.build(uncc)
    signatures = [i for i in register.instruments if i.kind.value == "signature"]
    assert len(signatures) == 69
    assert len({i.state for i in signatures}) == 69
    by_state = {i.state: i for i in signatures}
    assert by_state["MUS"].on == date(2025, 11, 19)
    assert {s for s, i in by_state.items() if i.on == date(2025, 10, 26)} == {"MLI", "RWA", "SAU"}
    assert not by_state["SWE"].verified and by_state["SWE"].source == "S10"
    assert by_state["FRA"].verified and by_state["FRA"].source == "S2"
    assert "DEU" not in by_state and "USA" not in by_state


def test_shipped_data_says_what_is_missing(uncc: Bundle) -> None:
    register = service.build(uncc)
    text = " ".join(register.gaps)
    assert "72" in text and "Ratifications" in text


def test_states() -> None:
    assert states.lookup("fra").name == "France"
    assert states.lookup("EU").is_reio
    assert states.lookup("XQR").kind is states.StateKind.TEST
    with pytest.raises(RogatoryError) as info:
        states.lookup("ZZZ")
    assert info.value.code == "party.unknown_state"


def test_status_explains_itself(register: Make) -> None:
    reg = register([*ratifications(40, date(2026, 1, 5)), inst("XZA", "signature", "2025-10-25")])
    bound = reg.status("XAA", date(2026, 6, 1))
    assert bound.status is Status.BOUND and "since 2026-05-14" in bound.explain()
    assert any(c.article == 65 for c in bound.cites)
    signatory = reg.status("XZA", date(2026, 6, 1))
    assert "signed on 2025-10-25" in signatory.explain()


def test_not_in_force_between_says_who_and_why(register: Make) -> None:
    reg = register([*ratifications(40, date(2026, 1, 5)), inst("XZA", "signature", "2025-10-25")])
    between = reg.in_force_between("XZA", "XAA", date(2026, 6, 1))
    assert not between.in_force
    assert between.reasons == ["XZA signed on 2025-10-25 but has not consented to be bound"]


def test_reservations_and_notifications(uncc: Bundle) -> None:
    decl = DeclarationsFile(
        reservations=[
            Statement(
                state="XAA",
                concerns="uncc:art-11:para-3",
                made_on=date(2026, 1, 5),
                text="no Art 11(1)",
                source="t",
                verified=False,
            )
        ],
        declarations=[
            Statement(
                state="XAB",
                concerns="uncc:art-11:para-3",
                made_on=date(2026, 1, 6),
                text="a declaration",
                source="t",
                verified=False,
            )
        ],
        notifications=[
            Notification(
                state="XAA",
                subject=Subject.CENTRAL_AUTHORITY,
                made_on=date(2026, 1, 5),
                details="Ministry of Justice",
                source="t",
                verified=False,
            ),
            Notification(
                state="XAA",
                subject=Subject.CENTRAL_AUTHORITY,
                made_on=date(2027, 1, 5),
                details="Office of the Prosecutor General",
                source="t",
                verified=False,
            ),
        ],
    )
    reg = service.build(
        uncc,
        extra=ratifications(40, date(2026, 1, 5)),
        extra_declarations=decl,
        ignore_shipped=True,
    )
    assert [s.concerns for s in reg.reservations_in_effect("XAA", date(2026, 6, 1))] == [
        "uncc:art-11:para-3"
    ]
    assert reg.reservations_in_effect("XAB", date(2026, 6, 1)) == []
    assert len(reg.statements_in_effect("XAB", date(2026, 6, 1))) == 1
    ca = reg.notifications_in_effect("XAA", date(2026, 6, 1))[Subject.CENTRAL_AUTHORITY]
    assert ca.details == "Ministry of Justice"
    ca = reg.notifications_in_effect("XAA", date(2027, 6, 1))[Subject.CENTRAL_AUTHORITY]
    assert ca.details == "Office of the Prosecutor General"


def test_a_declarations_file_is_checked_against_the_bundle(uncc: Bundle, tmp_path: Path) -> None:
    path = tmp_path / "decl.yaml"
    path.write_text(
        "reservations:\n"
        "  - {state: XAA, concerns: 'uncc:art-11:para-9', made_on: 2026-01-01, text: x, source: t, verification: recollection}\n"
        "  - {state: QQQ, concerns: 'uncc:art-11:para-3', made_on: 2026-01-01, text: x, source: t, verification: recollection}\n"
        "  - {state: XAB, concerns: 'uncc:art-11:para-3', made_on: 2026-02-01, withdrawn_on: 2026-01-01, text: x, source: t, verification: recollection}\n",
        encoding="utf-8",
    )
    with pytest.raises(ProblemList) as info:
        service.load(declarations_file=path)
    found = {(p.code, p.location) for p in info.value.problems}
    assert ("rules.invalid_value", "reservations[2]") in found
    path.write_text(
        "reservations:\n"
        "  - {state: XAA, concerns: 'uncc:art-11:para-9', made_on: 2026-01-01, text: x, source: t, verification: recollection}\n"
        "  - {state: QQQ, concerns: 'uncc:art-11:para-3', made_on: 2026-01-01, text: x, source: t, verification: recollection}\n",
        encoding="utf-8",
    )
    with pytest.raises(ProblemList) as info:
        service.load(declarations_file=path)
    found = {(p.code, p.location) for p in info.value.problems}
    assert found == {
        ("instrument.unknown_provision", "reservations[0]"),
        ("instrument.unknown_state", "reservations[1]"),
    }


def test_a_csv_with_many_problems_reports_each_row_and_field(tmp_path: Path) -> None:
    path = tmp_path / "what-if.csv"
    path.write_text(
        "state,kind,date\nFRA,ratification,2026-13-01\nQQQ,ratification,2026-03-01\n"
        "DEU,ratifcation,2026-03-01\nITA,ratification,2026-03-01\n",
        encoding="utf-8",
    )
    with pytest.raises(ProblemList) as info:
        service.load(instruments_file=path)
    found = [(p.code, p.location) for p in info.value.problems]
    assert found == [
        ("instrument.invalid_date", "row 2"),
        ("instrument.unknown_state", "row 3"),
        ("instrument.unknown_kind", "row 4"),
    ]
    assert "field date" in info.value.problems[0].message


def test_a_what_if_file_adds_to_the_shipped_data(tmp_path: Path) -> None:
    path = tmp_path / "what-if.csv"
    path.write_text(
        "state,kind,date\nFRA,ratification,2026-03-01\nDEU,signature,2026-05-01\n", encoding="utf-8"
    )
    reg = service.load(instruments_file=path)
    assert reg.status("FRA", date(2026, 6, 1)).status is Status.RATIFIED_NOT_YET_BOUND
    assert reg.status("DEU", date(2026, 6, 1)).status is Status.SIGNATORY
    assert reg.status("AUS", date(2026, 6, 1)).status is Status.SIGNATORY
    only = service.load(instruments_file=path, ignore_shipped=True)
    assert only.status("AUS", date(2026, 6, 1)).status is Status.NON_SIGNATORY


def test_a_duplicate_of_a_shipped_instrument_names_both(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("state,kind,date\nFRA,signature,2025-10-26\n", encoding="utf-8")
    with pytest.raises(ProblemList) as info:
        service.load(instruments_file=path)
    [problem] = info.value.problems
    assert problem.code == "instrument.duplicate"
    assert problem.file == str(path) and problem.location == "row 2"
    assert "uncc/instruments.csv row" in problem.message


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(ProblemList) as info:
        service.load(instruments_file=tmp_path / "nope.csv")
    assert info.value.problems[0].code == "input.file_missing"


def test_a_csv_without_the_required_columns(tmp_path: Path) -> None:
    path = tmp_path / "cols.csv"
    path.write_text("country,kind,when\nFRA,ratification,2026-01-01\n", encoding="utf-8")
    with pytest.raises(ProblemList) as info:
        service.load(instruments_file=path)
    codes = [p.code for p in info.value.problems]
    assert codes.count("csv.column_missing") == 2 and codes.count("csv.column_unknown") == 2
