"""Runs the YAML scenarios of a bundle against the parties model and the dated constants.

``given`` describes the instruments (written out, or generated as "40 test states ratifying a
day apart"), and optional reservations; ``expect`` lists what must come out on the scenario's
date. A scenario can also expect the input to be refused, naming the error codes, so that the
contradiction checks are tested in the same readable form as the computations.
"""

from __future__ import annotations

import string
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rogatory.errors import ProblemCollector, ProblemList
from rogatory.law.bundle import Bundle
from rogatory.law.citation import Level
from rogatory.law.scenarios import LoadedScenario, ScenarioOutcome, run_all
from rogatory.parties import service
from rogatory.parties.declarations import DeclarationsFile, Notification, Statement, Subject
from rogatory.parties.instruments import Instrument, Kind
from rogatory.parties.register import Register


class GivenInstrument(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    state: str
    kind: Kind
    date: date


class Generate(BaseModel):
    """``count`` test states from ``start_code`` on, one instrument each, ``every_days`` apart."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    count: int = Field(ge=1, le=676)
    kind: Kind
    first: date
    every_days: int = Field(default=0, ge=0)
    start_code: str = Field(default="XAA", pattern=r"^X[A-Z]{2}$")
    with_signature: date | None = None


class Given(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    shipped: bool = False
    instruments: list[GivenInstrument] = Field(default_factory=list)
    generate: list[Generate] = Field(default_factory=list)
    reservations: list[Statement] = Field(default_factory=list)
    declarations: list[Statement] = Field(default_factory=list)
    notifications: list[Notification] = Field(default_factory=list)


class Between(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    states: tuple[str, str]
    in_force: bool


class ConstantExpectation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    value: Any = None
    known: bool = True
    verified: bool | None = None


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    entry_into_force: date | None = Field(default=None)
    instruments_counted: int | None = None
    status: dict[str, str] = Field(default_factory=dict)
    bound_from: dict[str, date | None] = Field(default_factory=dict)
    in_force_between: list[Between] = Field(default_factory=list)
    statements: dict[str, list[str]] = Field(default_factory=dict)
    notifications: dict[str, dict[Subject, str | list[str]]] = Field(default_factory=dict)
    constants: dict[str, ConstantExpectation] = Field(default_factory=dict)
    errors: list[str] = Field(default_factory=list)


def generated_codes(start: str, count: int) -> list[str]:
    """``XAA, XAB, ... XAZ, XBA, ...`` from ``start``."""
    letters = string.ascii_uppercase
    index = letters.index(start[1]) * 26 + letters.index(start[2])
    if index + count > 26 * 26:
        raise ValueError(f"{count} test states from {start} run past XZZ")
    return [f"X{letters[i // 26]}{letters[i % 26]}" for i in range(index, index + count)]


def given_instruments(given: Given) -> list[Instrument]:
    out = [
        Instrument(
            g.state.upper(),
            g.kind,
            g.date,
            "scenario",
            Level.RECOLLECTION,
            f"given.instruments[{i}]",
        )
        for i, g in enumerate(given.instruments)
    ]
    for n, gen in enumerate(given.generate):
        for i, code in enumerate(generated_codes(gen.start_code, gen.count)):
            if gen.with_signature is not None:
                out.append(
                    Instrument(
                        code,
                        Kind.SIGNATURE,
                        gen.with_signature,
                        "scenario",
                        Level.RECOLLECTION,
                        f"given.generate[{n}]",
                    )
                )
            on = gen.first + timedelta(days=i * gen.every_days)
            out.append(
                Instrument(
                    code, gen.kind, on, "scenario", Level.RECOLLECTION, f"given.generate[{n}]"
                )
            )
    return out


def _show(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else repr(value)


def build_register(bundle: Bundle, given: Given, problems: ProblemCollector) -> Register:
    """The register a scenario describes: its instruments, statements and notifications."""
    decl = DeclarationsFile(
        reservations=given.reservations,
        declarations=given.declarations,
        notifications=given.notifications,
    )
    return service.build(
        bundle,
        extra=given_instruments(given),
        extra_declarations=decl,
        ignore_shipped=not given.shipped,
        problems=problems,
    )


def check(failures: list[str], what: str, expected: object, actual: object) -> None:
    """Record a failed expectation, dates shown as ISO dates."""
    if expected != actual:
        failures.append(f"{what}: expected {_show(expected)}, got {_show(actual)}")


def run(bundle: Bundle, loaded: LoadedScenario) -> ScenarioOutcome:
    """Run one scenario; the outcome lists every expectation that failed."""
    outcome = ScenarioOutcome(loaded)
    sc = loaded.scenario
    problems = ProblemCollector()
    try:
        given = Given.model_validate(sc.given)
        expect = Expect.model_validate(sc.expect)
    except ValueError as exc:
        outcome.failures.append(f"the scenario itself is malformed: {exc}")
        return outcome
    try:
        register = build_register(bundle, given, problems)
    except ProblemList as exc:
        codes = sorted({p.code for p in exc.problems})
        check(outcome.failures, "errors", sorted(set(expect.errors)), codes)
        return outcome
    except ValueError as exc:
        outcome.failures.append(f"the scenario's facts are unusable: {exc}")
        return outcome
    if expect.errors:
        outcome.failures.append(f"errors: expected {expect.errors}, but the input was accepted")
    result = register.entry_into_force(sc.on)
    if "entry_into_force" in sc.expect:
        check(outcome.failures, "entry_into_force", expect.entry_into_force, result.date)
    if expect.instruments_counted is not None:
        check(outcome.failures, "instruments_counted", expect.instruments_counted, result.counted)
    for code, status in expect.status.items():
        check(
            outcome.failures, f"status[{code}]", status, register.status(code, sc.on).status.value
        )
    for code, bound in expect.bound_from.items():
        check(
            outcome.failures, f"bound_from[{code}]", bound, register.status(code, sc.on).bound_from
        )
    for pair in expect.in_force_between:
        actual = register.in_force_between(pair.states[0], pair.states[1], sc.on).in_force
        check(outcome.failures, f"in_force_between{list(pair.states)}", pair.in_force, actual)
    for code, concerns in expect.statements.items():
        actual_concerns = sorted(s.concerns for s in register.statements_in_effect(code, sc.on))
        check(outcome.failures, f"statements[{code}]", sorted(concerns), actual_concerns)
    for code, subjects in expect.notifications.items():
        in_effect = register.notifications_in_effect(code, sc.on)
        actual_notes = {k: v.details for k, v in in_effect.items()}
        check(outcome.failures, f"notifications[{code}]", dict(subjects), actual_notes)
    for name, want in expect.constants.items():
        res = bundle.constant(name, sc.on)
        check(outcome.failures, f"constants[{name}].known", want.known, res.known)
        if want.known:
            check(outcome.failures, f"constants[{name}].value", want.value, res.value)
        if want.verified is not None:
            check(
                outcome.failures,
                f"constants[{name}].verified",
                want.verified,
                res.cite.verified if res.cite else None,
            )
    return outcome


def run_bundle(bundle: Bundle) -> tuple[list[ScenarioOutcome], ProblemCollector]:
    """Every party scenario of a bundle, with the problems met loading the scenario files."""
    return run_all(bundle, run)
