"""The kinds of reply, where each comes from, and which need a second person.

Four eyes (a second person approves, never the one who drafted it) apply to every letter
that tells the requesting State it will not get, or not yet get, what it asked for:

- ``refusal`` and ``postponement``: the reasons Art 40 requires for either (model UNTOC
  Art 18(23)) bind the requested State, and a wrong reason cannot be taken back;
- ``partial_approval``: it refuses the part not granted.

A request for more information, a notice that confidentiality cannot be kept and the
acknowledgement of a preservation state a decision already taken and recorded (with its own
guards) and say nothing new: the drafter sends them alone.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    INFO_REQUEST = "info_request"  # what is missing, each item with the provision asking for it
    REFUSAL = "refusal"  # each ground cited and its reason stated
    POSTPONEMENT = "postponement"  # the reason, and when it will be reviewed
    PARTIAL_APPROVAL = "partial_approval"  # what is provided and what is not
    CONFIDENTIALITY_NOTICE = "confidentiality_notice"  # it cannot be kept confidential
    PRESERVATION_ACK = "preservation_ack"  # the data is preserved, for this period


FOUR_EYES = frozenset({Kind.REFUSAL, Kind.POSTPONEMENT, Kind.PARTIAL_APPROVAL})

TITLES = {
    Kind.INFO_REQUEST: "Request for more information",
    Kind.REFUSAL: "Refusal, with its grounds",
    Kind.POSTPONEMENT: "Postponement, with its reason",
    Kind.PARTIAL_APPROVAL: "Partial approval",
    Kind.CONFIDENTIALITY_NOTICE: "Notice that confidentiality cannot be kept",
    Kind.PRESERVATION_ACK: "Acknowledgement of the preservation",
}
assert set(TITLES) == set(Kind)


class ReplyStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"  # by a second person, where four eyes apply
    SENT = "sent"
    DISCARDED = "discarded"


class Delivery(StrEnum):
    """Where a sent reply stands on its way to the requesting authority. Today it is
    downloaded and delivered by hand (``mark_delivered`` records how); the exchange between
    nodes, when it exists, picks up the ``pending`` ones."""

    PENDING = "pending"
    DELIVERED = "delivered"


class Channel(StrEnum):
    """How a sent reply reached the requesting authority."""

    DOWNLOAD = "download"  # downloaded and sent by the authority's own means
    EMAIL = "email"
    POST = "post"
    DIPLOMATIC = "diplomatic"
    OTHER = "other"


def needs_second_person(kind: Kind) -> bool:
    return kind in FOUR_EYES
