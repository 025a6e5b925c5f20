"""Citations: every legal fact names where it comes from and whether anyone checked it.

A rule that rests on a provision nobody has read in the authentic text must say so wherever its
result is shown. ``verified`` carries that; ``source`` names the stored source (an id from the
bundle's source list, such as ``S1``, or the recollection marker); ``verified_on`` records when
it was last checked, kept apart from the legal date the value takes effect.
"""

from __future__ import annotations

from datetime import date
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Attestation(BaseModel):
    """Where a provision comes from, when its place in the instrument is already known.

    Used inside provision files: an article's entry already says which instrument, article and
    paragraph it is, so only the source and its verification status are written down.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=1)
    verified: bool
    verified_on: date | None = None
    note: str | None = None
    wording: tuple[str, ...] = Field(
        default=(),
        description="phrases the authentic text of the cited provision must contain",
    )

    @model_validator(mode="after")
    def _checked_only_if_verified(self) -> Self:
        if self.verified_on is not None and not self.verified:
            raise ValueError(
                "verified_on is set but verified is false: an unverified item has no check date"
            )
        return self


class Citation(Attestation):
    """A full pointer into an instrument: ``UNCC Art. 42(7)``, with its attestation."""

    instrument: str = Field(min_length=1)
    article: int = Field(ge=1)
    paragraph: str | None = None

    @property
    def provision_id(self) -> str:
        """The stable id used across the product, e.g. ``uncc:art-42:para-7``."""
        base = f"{self.instrument.lower()}:art-{self.article}"
        return f"{base}:para-{self.paragraph}" if self.paragraph else base

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
        }


def parse_provision_id(text: str) -> tuple[str, int, str | None]:
    """Split ``uncc:art-42:para-7`` into its parts; raise ValueError with the expected form."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[1].startswith("art-"):
        raise ValueError(f"{text!r} is not a provision id (expected e.g. 'uncc:art-42:para-7')")
    try:
        article = int(parts[1].removeprefix("art-"))
    except ValueError as exc:
        raise ValueError(f"{text!r}: the article must be a number") from exc
    paragraph = None
    if len(parts) == 3:
        if not parts[2].startswith("para-") or parts[2] == "para-":
            raise ValueError(f"{text!r}: the third part must be 'para-<id>'")
        paragraph = parts[2].removeprefix("para-")
    return parts[0], article, paragraph
