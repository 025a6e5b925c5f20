"""An Atom feed (RFC 4287) of changes in the national register, for feed readers.

Written by hand with escaping: the format is small and fixed, and a feed must never carry
markup from a record's text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time
from xml.sax.saxutils import escape, quoteattr

from rogatory.compliance.changes import Change


def _stamp(change: Change) -> str:
    return datetime.combine(change.on, time(0, 0), UTC).isoformat().replace("+00:00", "Z")


def atom(
    changes: Sequence[Change], *, feed_id: str, title: str, link: str, updated: datetime
) -> str:
    """The feed, newest entry first; each entry's id is stable across runs (tag URI of the
    State, record, kind and date), so a reader shows a change once."""
    entries = []
    for c in sorted(changes, reverse=True):
        entry_id = f"tag:rogatory,2026:law/{c.state}/{c.record}/{c.kind}/{c.on.isoformat()}"
        fictional = " [fictional]" if c.fictional else ""
        heading = f"{c.state}: {c.title}: {c.kind.replace('_', ' ')}{fictional}"
        entries.append(
            "<entry>"
            f"<id>{escape(entry_id)}</id>"
            f"<title>{escape(heading)}</title>"
            f"<updated>{_stamp(c)}</updated>"
            f"<category term={quoteattr(c.state)}/>"
            f"<summary>{escape(c.what)}</summary>"
            "</entry>"
        )
    stamp = updated.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>{escape(feed_id)}</id>"
        f"<title>{escape(title)}</title>"
        f'<link rel="self" href={quoteattr(link)}/>'
        f"<updated>{stamp}</updated>"
        "<author><name>rogatory national implementation register</name></author>"
        + "".join(entries)
        + "</feed>\n"
    )
