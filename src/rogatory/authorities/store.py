"""The authority registry in the database, and what intake learns about a request's sender.

Each organisation keeps its own registry (its rows), read together with the authorities the
depositary was notified of (the treaty bundle's notifications; none is shipped today, since no
stored source shows one). Every change is appended to the organisation's audit chain in the
same transaction, with the authority's new state (subject ``authority:ID``). Who may change
the registry is checked by the callers (``accounts.registry``): this module only stores.

At intake a signed request is verified against the registry as it stands, on the request's
date; its ``jti`` is stored with the case under a unique constraint, so a replay is refused in
the same transaction, even when two arrive at once. A later screening verifies the stored
signature again (a key revoked since, from a moment before it signed, now shows), counting
the sender's history as it was when the request arrived.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rogatory.audit import service as audit
from rogatory.authorities import signed
from rogatory.authorities.assess import assess
from rogatory.authorities.models import AuthorityKeyRow, AuthorityRow, CallBackRow, RequesterRow
from rogatory.authorities.registry import AuthorityRecord, RegisteredKey, Registry, Source
from rogatory.errors import RogatoryError
from rogatory.parties.declarations import Notification, Subject
from rogatory.safeguards.request import Request, Role
from rogatory.safeguards.requester import (
    CallBack,
    CallBackOutcome,
    Check,
    RegisteredAuthority,
    RequesterEvidence,
    RequesterPolicy,
    SenderHistory,
    Signature,
)


def _now() -> datetime:
    return datetime.now(UTC)


# ---- the registry ------------------------------------------------------------------------


def notified(notifications: Iterable[Notification]) -> list[AuthorityRecord]:
    """The central authorities and 24/7 points of contact notified to the depositary, as
    registry records (without keys, domains or numbers: a notification names the authority
    only). Empty today: no notification is shipped."""
    out = []
    for n in notifications:
        if n.subject is Subject.LANGUAGES:
            continue
        name = n.details if isinstance(n.details, str) else "; ".join(n.details)
        out.append(
            AuthorityRecord(
                id=f"depositary:{n.state}:{n.subject.value}:{n.made_on.isoformat()}",
                state=n.state,
                name=name[:1000],
                kind=Role(n.subject.value),
                valid_from=n.made_on,
                source=Source.DEPOSITARY,
                verified_by="the depositary",
                verified_how=f"notification, source {n.source} ({n.verification.value})",
            )
        )
    return out


def record_of(row: AuthorityRow, keys: Sequence[AuthorityKeyRow]) -> AuthorityRecord:
    return AuthorityRecord(
        id=row.ident,
        state=row.state,
        name=row.name,
        kind=Role(row.kind),
        domains=tuple(row.domains),
        phones=tuple(row.phones),
        keys=tuple(
            RegisteredKey(
                kid=k.kid,
                public_key=k.public_key,
                valid_from=k.valid_from,
                valid_until=k.valid_until,
                revoked_from=k.revoked_from,
                revoked_reason=k.revoked_reason,
            )
            for k in keys
        ),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        source=Source(row.source),
        verified_by=row.verified_by,
        verified_how=row.verified_how,
    )


def records(session: Session, org: str, *, state: str | None = None) -> list[AuthorityRecord]:
    """The organisation's own records, by State and name."""
    query = select(AuthorityRow).where(AuthorityRow.org_id == org)
    if state is not None:
        query = query.where(AuthorityRow.state == state)
    rows = list(session.execute(query.order_by(AuthorityRow.state, AuthorityRow.name)).scalars())
    keys: dict[int, list[AuthorityKeyRow]] = {}
    if rows:
        for k in session.execute(
            select(AuthorityKeyRow)
            .where(AuthorityKeyRow.authority_id.in_([r.id for r in rows]))
            .order_by(AuthorityKeyRow.id)
        ).scalars():
            keys.setdefault(k.authority_id, []).append(k)
    return [record_of(r, keys.get(r.id, [])) for r in rows]


def registry(session: Session, org: str, notifications: Iterable[Notification] = ()) -> Registry:
    """What the organisation's verifications read: its records, then the depositary's."""
    return Registry([*records(session, org), *notified(notifications)])


def get(session: Session, org: str, authority_id: str) -> AuthorityRow:
    row = session.execute(
        select(AuthorityRow).where(AuthorityRow.org_id == org, AuthorityRow.ident == authority_id)
    ).scalar_one_or_none()
    if row is None:
        raise RogatoryError("authority.not_found", f"no authority {authority_id!r} in the registry")
    return row


def show(session: Session, org: str, authority_id: str) -> AuthorityRecord:
    row = get(session, org, authority_id)
    keys = session.execute(
        select(AuthorityKeyRow)
        .where(AuthorityKeyRow.authority_id == row.id)
        .order_by(AuthorityKeyRow.id)
    ).scalars()
    return record_of(row, list(keys))


def _audit(
    session: Session, org: str, by: str, action: str, row: AuthorityRow, summary: dict[str, Any]
) -> None:
    audit.append(
        session,
        chain=org,
        actor=by,
        action=action,
        summary={"authority": row.ident, **summary},
        subject=f"authority:{row.id}",
    )


def _kid_taken(session: Session, org: str, kid: str) -> bool:
    return (
        session.execute(
            select(AuthorityKeyRow.id).where(
                AuthorityKeyRow.org_id == org, AuthorityKeyRow.kid == kid
            )
        ).first()
        is not None
    )


def add(session: Session, org: str, record: AuthorityRecord, *, by: str) -> AuthorityRecord:
    """Add an authority (with its keys) to the organisation's registry, audited."""
    if record.source is Source.DEPOSITARY:
        raise RogatoryError(
            "authority.invalid",
            "field source: the depositary's notifications come from the treaty data, not "
            "from an organisation",
        )
    ident = record.id
    taken = session.execute(
        select(AuthorityRow.id).where(AuthorityRow.org_id == org, AuthorityRow.ident == ident)
    ).first()
    if taken is not None:
        raise RogatoryError("authority.exists", f"an authority {ident!r} is already registered")
    for key in record.keys:
        if _kid_taken(session, org, key.kid):
            raise RogatoryError(
                "authority.key_exists", f"field keys: the key id {key.kid!r} is already registered"
            )
    now = _now()
    row = AuthorityRow(
        ident=ident,
        org_id=org,
        state=record.state,
        name=record.name,
        kind=record.kind.value,
        domains=list(record.domains),
        phones=list(record.phones),
        valid_from=record.valid_from,
        valid_until=record.valid_until,
        source=record.source.value,
        verified_by=record.verified_by,
        verified_how=record.verified_how,
        added_by=by,
        added_at=now,
    )
    session.add(row)
    session.flush()
    for key in record.keys:
        session.add(_key_row(org, row.id, key))
    session.flush()
    _audit(
        session,
        org,
        by,
        "authority.added",
        row,
        {
            "state": record.state,
            "name": record.name,
            "kind": record.kind.value,
            "domains": list(record.domains),
            "phones": list(record.phones),
            "keys": [k.kid for k in record.keys],
            "source": record.source.value,
            "verified_by": record.verified_by,
            "verified_how": record.verified_how,
        },
    )
    return show(session, org, ident)


def new_id(state: str) -> str:
    return f"{state.lower()}-{uuid.uuid4().hex[:12]}"


def _key_row(org: str, authority_id: int, key: RegisteredKey) -> AuthorityKeyRow:
    return AuthorityKeyRow(
        org_id=org,
        authority_id=authority_id,
        kid=key.kid,
        public_key=key.public_key,
        valid_from=key.valid_from,
        valid_until=key.valid_until,
        revoked_from=key.revoked_from,
        revoked_reason=key.revoked_reason,
    )


def add_key(
    session: Session, org: str, authority_id: str, key: RegisteredKey, *, by: str
) -> AuthorityRecord:
    """Add a public key to a registered authority, audited."""
    row = get(session, org, authority_id)
    if _kid_taken(session, org, key.kid):
        raise RogatoryError(
            "authority.key_exists", f"field kid: the key id {key.kid!r} is already registered"
        )
    session.add(_key_row(org, row.id, key))
    session.flush()
    _audit(
        session,
        org,
        by,
        "authority.key_added",
        row,
        {"kid": key.kid, "valid_from": key.valid_from.isoformat()},
    )
    return show(session, org, row.ident)


def revoke_key(
    session: Session,
    org: str,
    kid: str,
    *,
    by: str,
    reason: str,
    revoked_from: datetime | None = None,
) -> AuthorityRecord:
    """Revoke a key from ``revoked_from`` (default now; earlier when it was compromised
    before it was noticed): signatures it made from then on are invalid. Audited."""
    key = session.execute(
        select(AuthorityKeyRow).where(AuthorityKeyRow.org_id == org, AuthorityKeyRow.kid == kid)
    ).scalar_one_or_none()
    if key is None:
        raise RogatoryError("authority.key_not_found", f"no registered key {kid!r}")
    if key.revoked_from is not None:
        raise RogatoryError(
            "authority.key_revoked",
            f"key {kid!r} is already revoked from {key.revoked_from:%Y-%m-%d %H:%M} UTC",
        )
    if not reason.strip():
        raise RogatoryError("authority.invalid", "field reason: a revocation says why")
    now = _now()
    when = (revoked_from or now).astimezone(UTC)
    key.revoked_from, key.revoked_reason = when, reason.strip()[:1000]
    key.revoked_at, key.revoked_by = now, by
    session.flush()
    owner = session.get(AuthorityRow, key.authority_id)
    assert owner is not None
    _audit(
        session,
        org,
        by,
        "authority.key_revoked",
        owner,
        {"kid": kid, "revoked_from": when.isoformat(), "reason": key.revoked_reason},
    )
    return show(session, org, owner.ident)


# ---- what intake learns about the sender -------------------------------------------------


@dataclass(frozen=True)
class Received:
    """A document as intake took it apart: the request document and, if signed, its
    envelope."""

    request: dict[str, Any]
    envelope: signed.Envelope | None


def receive(document: Any) -> Received:
    """A plain request document, or a signed one opened (``signature.unusable`` if it
    cannot be)."""
    if signed.is_signed(document):
        envelope = signed.open_envelope(document)
        return Received(envelope.request, envelope)
    return Received(document, None)


def _sender(evidence: RequesterEvidence, request: Request) -> str | None:
    """Whom the history counts: the authority whose key signed, else the address named."""
    if evidence.signature is Signature.VALID and evidence.authority is not None:
        return f"authority:{evidence.authority.id}"
    email = request.requesting_authority.email
    return email.lower() if email else None


def _history(
    session: Session,
    org: str,
    sender: str | None,
    at: datetime,
    policy: RequesterPolicy,
    *,
    exclude_case: str | None = None,
) -> SenderHistory | None:
    if sender is None:
        return None
    base = (
        select(func.count())
        .select_from(RequesterRow)
        .where(
            RequesterRow.org_id == org,
            RequesterRow.sender == sender,
            RequesterRow.version == 0,
            RequesterRow.received_at <= at,
        )
    )
    if exclude_case is not None:
        base = base.where(RequesterRow.case_id != exclude_case)
    earlier = int(session.execute(base).scalar_one())
    window = at - timedelta(hours=policy.burst_hours)
    recent = int(session.execute(base.where(RequesterRow.received_at > window)).scalar_one())
    return SenderHistory(earlier=earlier, recent=recent + 1)


def _domain(registry_: Registry, request: Request) -> tuple[str | None, RegisteredAuthority | None]:
    domain = request.requesting_authority.email_domain
    if domain is None:
        return None, None
    found = registry_.by_domain(domain, request.requesting_state, request.submitted_on)
    return domain, found.summary() if found is not None else None


def evidence(
    session: Session,
    org: str,
    request: Request,
    envelope: signed.Envelope | None,
    policy: RequesterPolicy,
    *,
    at: datetime,
    window: bool,
    notifications: Iterable[Notification] = (),
    case_id: str | None = None,
) -> RequesterEvidence:
    """What the registry and the organisation's records say about the sender, as of ``at``
    (when the request arrived). ``window``: hold the issue time to ``at`` (at intake)."""
    registry_ = registry(session, org, notifications)
    found = assess(
        request,
        envelope,
        registry=registry_,
        now=at,
        window=timedelta(hours=policy.issue_window_hours) if window else None,
    )
    history = _history(session, org, _sender(found, request), at, policy, exclude_case=case_id)
    return dataclasses.replace(
        found,
        history=history,
        call_backs=call_backs(session, case_id) if case_id is not None else (),
    )


def refuse_replay(evidence_: RequesterEvidence) -> None:
    """A signed request whose issue time is outside the window is refused at intake."""
    late = next((c for c in evidence_.checks if c.name == "issue time" and not c.ok), None)
    if late is not None:
        raise RogatoryError(
            "request.replayed",
            f"field signature: {late.message}",
            help="ask the requesting authority to sign the request again",
        )


def remember(
    session: Session,
    org: str,
    case_id: str,
    request: Request,
    envelope: signed.Envelope | None,
    evidence_: RequesterEvidence,
    *,
    at: datetime,
    version: int = 0,
) -> None:
    """Store who sent this version of the case's request; a signed request's id a second
    time is a replay, refused (the whole intake rolls back)."""
    jti = envelope.jti if envelope is not None else None
    if (
        jti is not None
        and session.execute(
            select(RequesterRow.id).where(RequesterRow.org_id == org, RequesterRow.jti == jti)
        ).first()
    ):
        raise _replayed(jti)
    row = RequesterRow(
        org_id=org,
        case_id=case_id,
        version=version,
        sender=_sender(evidence_, request),
        received_at=at,
        signature=evidence_.signature.value,
        kid=evidence_.kid,
        authority_id=evidence_.authority.id if evidence_.authority else None,
        jti=jti,
        issued_at=envelope.issued_at if envelope is not None else None,
        jws=envelope.jws if envelope is not None else None,
        payload=envelope.payload.decode("utf-8") if envelope is not None else None,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the same id committed by a concurrent intake
        raise _replayed(jti or "") from None


def _replayed(jti: str) -> RogatoryError:
    return RogatoryError(
        "request.replayed",
        f"field signature: a signed request with the id {jti!r} was already received",
        help="a signed request is taken in once; a new request needs a new signature",
    )


def received_versions(session: Session, case_id: str) -> list[RequesterRow]:
    return list(
        session.execute(
            select(RequesterRow)
            .where(RequesterRow.case_id == case_id)
            .order_by(RequesterRow.version)
        ).scalars()
    )


def again(
    session: Session,
    org: str,
    case_id: str,
    request: Request,
    policy: RequesterPolicy,
    *,
    version: int,
    notifications: Iterable[Notification] = (),
) -> RequesterEvidence:
    """The evidence for a later screening of the case: the stored signature of its current
    request verified again against the registry as it stands now (no window: it was held
    to the clock when it arrived), the history as it was when it arrived."""
    row = session.execute(
        select(RequesterRow).where(RequesterRow.case_id == case_id, RequesterRow.version == version)
    ).scalar_one_or_none()
    if row is None:
        return RequesterEvidence(call_backs=call_backs(session, case_id))
    envelope = None
    if row.jws is not None and row.payload is not None:
        envelope = signed.Envelope(json.loads(row.payload), _header(row.jws), row.jws)
    return evidence(
        session,
        org,
        request,
        envelope,
        policy,
        at=row.received_at,
        window=False,
        notifications=notifications,
        case_id=case_id,
    )


def _header(token: str) -> dict[str, Any]:
    head = json.loads(signed._b64(token.split(".")[0]))
    assert isinstance(head, dict)
    return head


def call_backs(session: Session, case_id: str) -> tuple[CallBack, ...]:
    return tuple(
        CallBack(r.number, r.authority_name, r.called_by, r.called_at, CallBackOutcome(r.outcome))
        for r in session.execute(
            select(CallBackRow).where(CallBackRow.case_id == case_id).order_by(CallBackRow.id)
        ).scalars()
    )


def checks_json(checks: Sequence[Check]) -> list[dict[str, Any]]:
    return [{"check": c.name, "ok": c.ok, "message": c.message} for c in checks]
