"""The states that can hold instruments: ISO 3166-1 alpha-3, the EU as an REIO, test states.

Names come from pycountry so they match the ISO list. The user-assigned codes XAA-XZZ are
fictional test states: the ISO standard reserves them for private use, so they can never
collide with a real country, which is why tests and what-if models use them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

import pycountry

from rogatory.errors import RogatoryError

TEST_STATE = re.compile(r"^X[A-Z]{2}$")
REIOS = {"EU": "European Union"}
# Member States of each REIO, as they stand since the United Kingdom left the European Union on
# 31 January 2020 (every instrument of the Convention is later). An REIO may sign or consent
# only once at least one of its members has (UNTOC Art 36(2)-(4), the model of the Convention's
# Art 64), so the party register needs to know who the members are.
REIO_MEMBERS: dict[str, frozenset[str]] = {
    "EU": frozenset(
        {
            *("AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU"),
            *("GRC", "HUN", "IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT"),
            *("ROU", "SVK", "SVN", "ESP", "SWE"),
        }
    )
}


class StateKind(StrEnum):
    STATE = "state"
    REIO = "reio"
    TEST = "test"


@dataclass(frozen=True, order=True)
class State:
    code: str
    name: str
    kind: StateKind

    @property
    def is_reio(self) -> bool:
        return self.kind is StateKind.REIO


@cache
def _iso() -> dict[str, str]:
    out: dict[str, str] = {}
    for country in pycountry.countries:
        out[country.alpha_3] = getattr(country, "common_name", None) or country.name
    return out


@cache
def find(code: str) -> State | None:
    """The state for a code (case-insensitive), or None."""
    upper = code.strip().upper()
    if upper in REIOS:
        return State(upper, REIOS[upper], StateKind.REIO)
    if TEST_STATE.match(upper):
        return State(upper, f"Test State {upper}", StateKind.TEST)
    name = _iso().get(upper)
    return State(upper, name, StateKind.STATE) if name else None


def lookup(code: str) -> State:
    """The state for a code, or ``party.unknown_state`` naming what is accepted."""
    state = find(code)
    if state is None:
        raise RogatoryError(
            "party.unknown_state",
            f"unknown state code {code!r}",
            help="use an ISO 3166-1 alpha-3 code (e.g. FRA), EU for the European Union, "
            "or a fictional test state XAA-XZZ",
        )
    return state


def unknown_state_message(code: str) -> str:
    return (
        f"unknown state code {code!r} (expected ISO 3166-1 alpha-3 such as FRA, EU, or a "
        "test state XAA-XZZ)"
    )


def all_iso_states() -> list[State]:
    return sorted(State(code, name, StateKind.STATE) for code, name in _iso().items())
