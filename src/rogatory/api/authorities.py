"""``/api/v1/authorities``: the organisation's authority registry; and the call-backs of a
case, ``/api/v1/cases/{id}/call-backs``.

Reading the registry needs ``cases:read`` (the people who work cases check senders against
it); changing it needs ``users:admin`` and the admin role. Every change is audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from rogatory.accounts import registry as admin
from rogatory.accounts.service import Scope
from rogatory.api.deps import Db, Svc, needs
from rogatory.authorities import store
from rogatory.authorities.registry import (
    KID,
    AuthorityRecord,
    RegisteredKey,
    parse_key,
    parse_record,
)
from rogatory.inputs import LongText, ShortText
from rogatory.requests import call_backs, flows

router = APIRouter(prefix="/api/v1", tags=["authorities"])
Reader = Annotated[flows.Actor, Depends(needs(Scope.CASES_READ))]
Writer = Annotated[flows.Actor, Depends(needs(Scope.CASES_WRITE))]
Admin = Annotated[flows.Actor, Depends(needs(Scope.USERS_ADMIN))]
AuthorityId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9._:-]{1,64}$")]
Kid = Annotated[str, Path(max_length=64, pattern=KID)]


class AuthoritiesOut(BaseModel):
    items: list[AuthorityRecord]


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kid: str = Field(pattern=KID)
    public_key: str = Field(max_length=100, description="raw Ed25519 public key, base64")
    valid_from: AwareDatetime
    valid_until: AwareDatetime | None = None


class AuthorityIn(BaseModel):
    """A record to add; its id is made up when not given."""

    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._:-]{1,64}$")
    state: str = Field(max_length=100)
    name: ShortText = Field(min_length=1)
    kind: Literal["central_authority", "contact_point_24_7", "competent_authority"]
    domains: list[str] = Field(default_factory=list, max_length=20)
    phones: list[str] = Field(default_factory=list, max_length=20)
    keys: list[KeyIn] = Field(default_factory=list, max_length=50)
    valid_from: Annotated[str, Field(max_length=10, examples=["2026-01-01"])]
    valid_until: Annotated[str, Field(max_length=10)] | None = None
    source: Literal["organisation", "demo"] = "organisation"
    verified_by: ShortText = Field(min_length=1)
    verified_how: ShortText = Field(min_length=1)


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: ShortText = Field(min_length=1)
    revoked_from: AwareDatetime | None = Field(
        default=None,
        description="signatures from this moment on are invalid; default now (earlier when "
        "the key was compromised before it was noticed)",
    )


class CallBackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: str = Field(max_length=32, description="a number the registry gives (E.164)")
    outcome: Literal["confirmed", "denied", "no_answer"]
    called_at: AwareDatetime | None = Field(default=None, description="default now")
    note: LongText | None = None


class CallBackOut(BaseModel):
    id: int
    authority: str
    authority_name: str
    number: str
    outcome: str
    note: str | None
    called_by: str
    called_at: datetime
    screening: int = Field(description="the screening made after it was recorded")


@router.get("/authorities", operation_id="listAuthorities")
def list_authorities(
    actor: Reader,
    db: Db,
    state: Annotated[str | None, Query(max_length=3, pattern=r"^[A-Z]{2,3}$")] = None,
) -> AuthoritiesOut:
    """The organisation's registry (the depositary's notifications add none today: none is
    shipped)."""
    return AuthoritiesOut(items=admin.listed(db, actor, state=state))


@router.get("/authorities/{authority_id}", operation_id="getAuthority")
def get_authority(authority_id: AuthorityId, actor: Reader, db: Db) -> AuthorityRecord:
    return admin.show(db, actor, authority_id)


@router.post("/authorities", operation_id="addAuthority", status_code=201)
def add_authority(body: AuthorityIn, actor: Admin, db: Db) -> AuthorityRecord:
    """Add an authority with its domains, call-back numbers and keys; audited."""
    data: dict[str, Any] = body.model_dump(mode="json", exclude_none=True)
    data["id"] = body.id or store.new_id(body.state)
    return admin.add(db, actor, parse_record(data, file="body"))


@router.post("/authorities/{authority_id}/keys", operation_id="addAuthorityKey", status_code=201)
def add_key(authority_id: AuthorityId, body: KeyIn, actor: Admin, db: Db) -> AuthorityRecord:
    """Register another key of the authority (a rotation); audited."""
    key = _key(body)
    return admin.add_key(db, actor, authority_id, key)


def _key(body: KeyIn) -> RegisteredKey:
    return parse_key(body.model_dump(mode="json", exclude_none=True), file="body")


@router.post("/authority-keys/{kid}/revoke", operation_id="revokeAuthorityKey")
def revoke_key(kid: Kid, body: RevokeIn, actor: Admin, db: Db) -> AuthorityRecord:
    """Revoke a key from ``revoked_from`` on; audited."""
    return admin.revoke_key(db, actor, kid, reason=body.reason, revoked_from=body.revoked_from)


@router.post("/cases/{case_id}/call-backs", operation_id="recordCallBack", status_code=201)
def record_call_back(
    case_id: Annotated[str, Path(max_length=36)],
    body: CallBackIn,
    actor: Writer,
    db: Db,
    svc: Svc,
) -> CallBackOut:
    """Record a call made to confirm the request, to a number the registry gives for an
    authority of the requesting State; the case is screened again at once."""
    row, screening = call_backs.record(
        db,
        actor,
        case_id,
        svc.screener,
        number=body.number,
        outcome=body.outcome,
        called_at=body.called_at,
        note=body.note,
    )
    return CallBackOut(
        id=row.id,
        authority=row.authority_id,
        authority_name=row.authority_name,
        number=row.number,
        outcome=row.outcome,
        note=row.note,
        called_by=row.called_by,
        called_at=row.called_at,
        screening=screening.seq,
    )
