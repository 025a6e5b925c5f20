"""Citations: every legal fact names where it comes from and how far anyone checked it.

A rule that rests on a provision nobody has read in the authentic text must say so wherever its
result is shown. ``verification`` carries that as a :class:`Level` (read in the text, on the
depositary's page, in a reliable secondary source, in a model treaty, or only recollected);
``verified`` is derived from it (true only for the text and the depositary), so a yes/no reader
and a lawyer reading the level can never disagree. ``source`` names the stored source (an id
from the bundle's source list, such as ``S1``, or the recollection marker); ``verified_on``
records when it was last checked, kept apart from the legal date the value takes effect.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Level(StrEnum):
    """How far a provision was checked, best first.

    ``model`` means the same provision was read in a treaty the Convention is drafted on (the
    Budapest Convention, UNTOC, UNCAC), not in the Convention itself: it makes a recollection
    plausible, never verified.
    """

    TEXT = "text"  # read in the authentic text or an official copy
    DEPOSITARY = "depositary"  # the depositary's (or a government's) official status page
    SECONDARY = "secondary"  # a reliable source naming the provision
    MODEL = "model"  # the same provision in a model treaty, text in hand
    RECOLLECTION = "recollection"  # not read anywhere: must be checked

    @property
    def verified(self) -> bool:
        return self in (Level.TEXT, Level.DEPOSITARY)

    @staticmethod
    def weakest(levels: Iterable[Level]) -> Level:
        """The level a conclusion resting on all of ``levels`` has: that of the weakest."""
        return max(levels, key=_ORDER.index, default=Level.TEXT)

    def better_than(self, other: Level) -> bool:
        """Whether this level is surer than ``other`` (text is better than model)."""
        return _ORDER.index(self) < _ORDER.index(other)

    @property
    def mark(self) -> str:
        """How the level is shown in plain text: ``verified (text)``, ``UNVERIFIED (model)``."""
        return f"verified ({self.value})" if self.verified else f"UNVERIFIED ({self.value})"


_ORDER = tuple(Level)  # declaration order: best first


class Attestation(BaseModel):
    """Where a provision comes from, when its place in the instrument is already known.

    Used inside provision files: an article's entry already says which instrument, article and
    paragraph it is, so only the source and its verification status are written down.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=1)
    verification: Level
    model: str | None = Field(
        default=None,
        description="the model treaty's provision a 'model' level rests on, e.g. ETS185 Art. 29(7)",
    )
    verified_on: date | None = None
    note: str | None = None
    wording: tuple[str, ...] = Field(
        default=(),
        description="phrases the authentic text of the cited provision must contain",
    )

    @property
    def verified(self) -> bool:
        """True only for a provision read in the text or on the depositary's page."""
        return self.verification.verified

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.verified_on is not None and self.verification is Level.RECOLLECTION:
            raise ValueError(
                "verified_on is set but the level is recollection: nothing was checked"
            )
        if (self.verification is Level.MODEL) != (self.model is not None):
            raise ValueError(
                "a 'model' level names the model provision it rests on (model: ...), "
                "and only a 'model' level does"
            )
        return self


class Citation(Attestation):
    """A full pointer into an instrument: ``UNCC Art. 42(7)``, with its attestation."""

    instrument: str = Field(min_length=1)
    article: int = Field(ge=1)
    paragraph: str | None = None

    @property
    def provision_id(self) -> str:
        """The stable id used across the product, e.g. ``uncc:art-42:para-7``: the bundle's
        id, never the instrument's code (Budapest is ``budapest:``, its instrument ETS185)."""
        return str(ProvisionId(bundle_of(self.instrument), self.article, self.paragraph))

    @property
    def label(self) -> str:
        """How a lawyer writes it: ``UNCC Art. 40(22)``."""
        para = f"({self.paragraph})" if self.paragraph else ""
        return f"{self.instrument} Art. {self.article}{para}"

    def brief(self) -> dict[str, object]:
        """The short form used in decisions and JSON output."""
        return {
            "instrument": self.instrument,
            "article": self.article,
            "paragraph": self.paragraph,
            "source": self.source,
            "verified": self.verified,
            "verification": self.verification.value,
        }


# Instrument codes of the bundles loaded in this process, to their bundle ids: a citation names
# its instrument (ETS185), a provision id its bundle (budapest). Filled by ``register_bundle``
# as each bundle loads; an instrument no bundle declared is its own lower-cased id.
_BUNDLE_OF: dict[str, str] = {}


def register_bundle(instrument: str, bundle_id: str) -> None:
    _BUNDLE_OF[instrument] = bundle_id


def bundle_of(instrument: str) -> str:
    return _BUNDLE_OF.get(instrument, instrument.lower())


@dataclass(frozen=True, slots=True, order=True)
class ProvisionId:
    """A provision of a bundle: ``uncc:art-42:para-7``. The one place ids are built and read;
    ``str()`` writes one and ``parse`` reads one back, so the two can never disagree."""

    bundle: str
    article: int
    paragraph: str | None = None

    def __str__(self) -> str:
        base = f"{self.bundle}:art-{self.article}"
        return f"{base}:para-{self.paragraph}" if self.paragraph else base

    @classmethod
    def parse(cls, text: str) -> ProvisionId:
        """Read ``uncc:art-42:para-7``; raise ValueError saying the expected form."""
        parts = text.split(":")
        if len(parts) not in (2, 3) or not parts[1].startswith("art-") or not parts[0]:
            raise ValueError(f"{text!r} is not a provision id (expected e.g. 'uncc:art-42:para-7')")
        try:
            article = int(parts[1].removeprefix("art-"))
        except ValueError as exc:
            raise ValueError(f"{text!r}: the article must be a number") from exc
        if article < 1:
            raise ValueError(f"{text!r}: the article must be a number from 1")
        paragraph = None
        if len(parts) == 3:
            if not parts[2].startswith("para-") or parts[2] == "para-":
                raise ValueError(f"{text!r}: the third part must be 'para-<id>'")
            paragraph = parts[2].removeprefix("para-")
        return cls(parts[0], article, paragraph)


def parse_provision_id(text: str) -> tuple[str, int, str | None]:
    """Split ``uncc:art-42:para-7`` into its parts; raise ValueError with the expected form."""
    found = ProvisionId.parse(text)
    return found.bundle, found.article, found.paragraph
