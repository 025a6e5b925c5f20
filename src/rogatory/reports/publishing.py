"""Publishing a report: frozen as a signed snapshot, served at a public address, audited, and
never edited. Publishing the same period again makes a new version that supersedes the last;
both stay published (the table refuses UPDATE and DELETE).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rogatory.audit import service as audit
from rogatory.errors import RogatoryError
from rogatory.reports import snapshot, transparency
from rogatory.reports.models import PublishedReport
from rogatory.reports.period import Period
from rogatory.reports.store import FactStore
from rogatory.requests import permissions
from rogatory.requests.flows import Actor
from rogatory.requests.models import Organisation
from rogatory.requests.permissions import Action
from rogatory.signing import keyring

KIND = "transparency"


def public_path(org: str, report_id: str) -> str:
    return f"/public/reports/{org}/{report_id}"


def organisation(session: Session, org: str) -> Organisation:
    found = session.get(Organisation, org)
    if found is None:
        raise RogatoryError("report.unknown_organisation", f"field org: no organisation {org!r}")
    return found


def publish(
    session: Session,
    actor: Actor,
    store: FactStore,
    period: Period,
    *,
    k: int = transparency.DEFAULT_K,
    now: datetime | None = None,
) -> PublishedReport:
    """Freeze the organisation's transparency report of ``period``, sign it with the
    organisation's current key, store it and record it on the audit chain, in the caller's
    transaction. The chain's lock is taken first, so the audit head the report states is the
    one it was read at."""
    permissions.require(actor.roles, Action.PUBLISH_REPORTS, code="auth.forbidden")
    org = organisation(session, actor.org).id
    audit.head(session, org)  # the chain's lock, then the key's (as a hand-over)
    key_row, key = keyring.current(session, org)
    when = (now or datetime.now(UTC)).astimezone(UTC)
    report = transparency.report(store, session, org, period, k=k, now=when)
    previous = latest(session, org, period.label)
    report_id = str(uuid.uuid4())
    publication = snapshot.Publication(
        id=report_id,
        organisation=org,
        kind=KIND,
        period=period.label,
        version=previous.version + 1 if previous else 1,
        supersedes=previous.id if previous else None,
        published_at=when,
        url=public_path(org, report_id),
    )
    signed = snapshot.sign(publication, report, key)
    row = PublishedReport(
        id=report_id,
        org_id=org,
        kind=KIND,
        period_label=period.label,
        period_from=period.start,
        period_to=period.end,
        version=publication.version,
        supersedes=publication.supersedes,
        published_at=when,
        published_by=actor.user,
        key_id=key_row.id,
        snapshot_sha256=signed.report_sha256,
        snapshot=signed.model_dump(mode="json"),
    )
    session.add(row)
    session.flush()
    audit.append(
        session,
        chain=org,
        actor=actor.user,
        action="report.published",
        summary={
            "report": report_id,
            "kind": KIND,
            "period": period.label,
            "version": publication.version,
            "supersedes": publication.supersedes,
            "report_sha256": signed.report_sha256,
            "key": key_row.id,
            "k": k,
        },
        at=when,
    )
    return row


def latest(session: Session, org: str, label: str) -> PublishedReport | None:
    return session.execute(
        select(PublishedReport)
        .where(
            PublishedReport.org_id == org,
            PublishedReport.kind == KIND,
            PublishedReport.period_label == label,
        )
        .order_by(PublishedReport.version.desc())
        .limit(1)
    ).scalar_one_or_none()


def listed(session: Session, org: str) -> list[PublishedReport]:
    """Every published version of the organisation's reports, newest first."""
    return list(
        session.execute(
            select(PublishedReport)
            .where(PublishedReport.org_id == org)
            .order_by(PublishedReport.published_at.desc(), PublishedReport.version.desc())
        ).scalars()
    )


def superseded_by(session: Session, row: PublishedReport) -> PublishedReport | None:
    return session.execute(
        select(PublishedReport).where(PublishedReport.supersedes == row.id)
    ).scalar_one_or_none()


def get(session: Session, org: str, report_id: str) -> PublishedReport:
    row = session.get(PublishedReport, report_id) if len(report_id) <= 36 else None
    if row is None or row.org_id != org:
        raise RogatoryError("report.not_found", f"no published report {report_id!r} of {org!r}")
    return row


def count(session: Session, org: str) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(PublishedReport).where(PublishedReport.org_id == org)
        ).scalar_one()
    )
