"""What every screening rule may read: the request, the legal date, and the law as of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rogatory.law.bundle import Bundle
from rogatory.law.citation import Citation
from rogatory.law.dated import Value
from rogatory.law.decision import Registry
from rogatory.parties.register import Register
from rogatory.safeguards.domestic import DomesticLaw
from rogatory.safeguards.request import Measure, Request
from rogatory.safeguards.signals import Signals

# Articles governing each measure in Chapter V, and the Chapter IV powers they rest on; a
# reservation or declaration concerning any of them concerns the measure.
MEASURE_ARTICLES: dict[Measure, tuple[int, ...]] = {
    Measure.PRESERVATION: (42, 25),
    Measure.TRAFFIC_DISCLOSURE: (43, 26),
    Measure.STORED_DATA: (44, 27, 28),
    Measure.REALTIME_TRAFFIC: (45, 29, 23),
    Measure.INTERCEPTION: (46, 30, 23),
    Measure.MLA: (40,),
    Measure.EMERGENCY: (41,),
}
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


@dataclass(frozen=True, slots=True)
class Law:
    """The law a screening applies, shared by every request screened with it."""

    bundle: Bundle
    register: Register
    domestic: dict[str, DomesticLaw]
    signals: Signals

    def article_cite(self, article: int, paragraph: str | None = None) -> Citation:
        return self.bundle.citation(article, paragraph)

    def value(self, name: str, on: date) -> Value:
        return self.bundle.constant(name, on).require()


@dataclass(frozen=True, slots=True)
class Context:
    request: Request
    on: date
    law: Law


REGISTRY: Registry[Context] = Registry()
