"""The authority registry as domain types: who may send requests for a State, and how to
check that they did.

A record is dated (``valid_from``, ``valid_until``) and says where it comes from: the
depositary's notifications of central authorities (Art 40) and 24/7 points of contact
(Art 41) shipped with a treaty bundle, an organisation's own verified entries, or the demo's
fictional States. Each holds the authority's official e-mail domains, the telephone numbers
to call back on, and its public signing keys (Ed25519), each with its validity period and,
once revoked, the moment from which its signatures no longer count. Who verified the record
and how is part of it: a registry entry is only as good as that check.

Pure: the storage adapter (``authorities.service``) and the command line's ``--authorities
FILE`` both build a :class:`Registry` from these records.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Self, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from rogatory.errors import Problem, ProblemList, RogatoryError
from rogatory.inputs import ShortText
from rogatory.law.loader import key_path
from rogatory.parties import states
from rogatory.safeguards.request import Role
from rogatory.safeguards.requester import RegisteredAuthority

KID = r"^[A-Za-z0-9._:-]{1,64}$"
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")  # E.164


class Source(StrEnum):
    DEPOSITARY = "depositary"  # notified to the depositary (the treaty bundle's data)
    ORGANISATION = "organisation"  # added and verified by this organisation
    DEMO = "demo"  # the demo's fictional States: never a real authority


def _domain(value: str) -> str:
    value = value.strip().lower().rstrip(".")
    if not DOMAIN.match(value):
        raise PydanticCustomError("invalid_domain", f"{value!r} is not a domain name")
    return value


def normalised_phone(value: str) -> str | None:
    """The number without spaces, dots, dashes or brackets, if it is an E.164 number."""
    value = re.sub(r"[\s().-]", "", value)
    return value if PHONE.match(value) else None


def _phone(value: str) -> str:
    found = normalised_phone(value)
    if found is None:
        raise PydanticCustomError(
            "invalid_phone", f"{value!r} is not an international number (E.164: +CC...)"
        )
    return found


def _state(value: str) -> str:
    found = states.find(value)
    if found is None:
        raise PydanticCustomError("unknown_state", states.unknown_state_message(value))
    return found.code


def _public_key(value: str) -> str:
    from rogatory.disclosure import keys  # the key's own check, shared with receipts

    try:
        keys.parse_public(value)
    except RogatoryError as exc:
        raise PydanticCustomError("invalid_key", exc.message) from None
    return value.strip()


Domain = Annotated[str, AfterValidator(_domain)]
Phone = Annotated[str, AfterValidator(_phone)]
StateCode = Annotated[str, Field(max_length=100), AfterValidator(_state)]
PublicKey = Annotated[str, Field(max_length=100), AfterValidator(_public_key)]


class KeyStatus(StrEnum):
    VALID = "valid"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


class RegisteredKey(BaseModel):
    """A public key of an authority: it signs requests issued within its validity period,
    until the moment it was revoked from (which may lie before the revocation was recorded,
    when the key was compromised earlier)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kid: str = Field(pattern=KID, description="the key id a signature names in its header")
    public_key: PublicKey = Field(description="raw Ed25519 public key, base64 (44 characters)")
    valid_from: AwareDatetime
    valid_until: AwareDatetime | None = None
    revoked_from: AwareDatetime | None = None
    revoked_reason: ShortText | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.valid_until is not None and self.valid_until <= self.valid_from:
            raise PydanticCustomError("period_order", "valid_until is not after valid_from")
        return self

    def status_at(self, when: datetime) -> KeyStatus:
        if self.revoked_from is not None and when >= self.revoked_from:
            return KeyStatus.REVOKED
        if when < self.valid_from:
            return KeyStatus.NOT_YET_VALID
        if self.valid_until is not None and when >= self.valid_until:
            return KeyStatus.EXPIRED
        return KeyStatus.VALID


class AuthorityRecord(BaseModel):
    """One authority of one State, as the registry holds it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9._:-]{1,64}$")
    state: StateCode
    name: ShortText = Field(min_length=1)
    kind: Role
    domains: tuple[Domain, ...] = Field(default=(), max_length=20)
    phones: tuple[Phone, ...] = Field(default=(), max_length=20)
    keys: tuple[RegisteredKey, ...] = Field(default=(), max_length=50)
    valid_from: date
    valid_until: date | None = None
    source: Source = Source.ORGANISATION
    verified_by: ShortText = Field(min_length=1)
    verified_how: ShortText = Field(
        min_length=1,
        description="how the record was checked: e.g. the depositary's notification, a call "
        "to the number published by the ministry, a letter under seal",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise PydanticCustomError("period_order", "valid_until is before valid_from")
        kids = [k.kid for k in self.keys]
        if len(set(kids)) != len(kids):
            raise PydanticCustomError("duplicate_kid", "two keys share a kid")
        return self

    def in_effect_on(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)

    def summary(self) -> RegisteredAuthority:
        return RegisteredAuthority(
            self.id, self.state, self.name, self.kind, self.domains, self.source.value
        )


class Registry:
    """The records an organisation holds, with the look-ups a verification makes."""

    def __init__(self, records: Iterable[AuthorityRecord]) -> None:
        self.records = tuple(records)
        self._by_kid: dict[str, tuple[AuthorityRecord, RegisteredKey]] = {}
        for record in self.records:
            for key in record.keys:
                self._by_kid.setdefault(key.kid, (record, key))

    def __len__(self) -> int:
        return len(self.records)

    def key(self, kid: str) -> tuple[AuthorityRecord, RegisteredKey] | None:
        return self._by_kid.get(kid)

    def by_domain(self, domain: str, state: str, on: date) -> AuthorityRecord | None:
        """The authority of ``state`` in effect on ``on`` whose official domains include
        ``domain`` (or a parent of it: mail.police.example under police.example); else any
        authority with that domain, so a caller can say it belongs to another State."""
        domain = domain.lower()
        hits = [
            r
            for r in self.records
            if r.in_effect_on(on)
            and any(domain == d or domain.endswith("." + d) for d in r.domains)
        ]
        return next((r for r in hits if r.state == state), hits[0] if hits else None)

    def phone_owner(self, number: str, state: str, on: date) -> AuthorityRecord | None:
        """The authority of ``state`` in effect on ``on`` that the registry gives ``number``
        for: a call-back counts only to such a number."""
        return next(
            (
                r
                for r in self.records
                if r.state == state and r.in_effect_on(on) and number in r.phones
            ),
            None,
        )


class AuthoritiesFile(BaseModel):
    """``--authorities FILE``: a JSON (or YAML) list of records, or ``{"authorities": [...]}``
    as ``rogatory authorities list --json`` prints it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    authorities: list[AuthorityRecord] = Field(default_factory=list)


def parse_records(data: Any, *, file: str) -> list[AuthorityRecord]:
    """Records from decoded JSON or YAML; every bad field named (``authority.invalid``)."""
    if isinstance(data, list):
        data = {"authorities": data}
    return _validated(AuthoritiesFile, data, file).authorities


def parse_record(data: Any, *, file: str) -> AuthorityRecord:
    """One record (a form, the command's options, an API body); fields named from it."""
    return _validated(AuthorityRecord, data, file)


def parse_key(data: Any, *, file: str) -> RegisteredKey:
    return _validated(RegisteredKey, data, file)


M = TypeVar("M", bound=BaseModel)


def _validated(model: type[M], data: Any, file: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(
                "authority.invalid",
                f"field {key_path([p for p in e['loc'] if isinstance(p, int | str)])}: "
                + e["msg"].removeprefix("Value error, "),
                file,
            )
            for e in exc.errors(include_url=False)[:50]
        ]
        raise ProblemList("authority.invalid", file, problems) from None


def load_file(path: Path) -> Registry:
    """A registry from a file of records; every bad field is reported with its path."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RogatoryError("input.file_missing", f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RogatoryError("input.file_unreadable", f"{path}: cannot read: {exc}") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else _yaml(text)
    except ValueError as exc:
        raise RogatoryError("authority.invalid", f"{path}: not JSON or YAML: {exc}") from None
    return Registry(parse_records(data, file=str(path)))


def _yaml(text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(str(exc)) from None
