"""``rogatory authorities add|add-key|list|show|revoke-key`` (the registry of the authorities
that may send requests) and ``rogatory request sign|verify`` (signed request documents).

The command line runs with the database's own credentials, as ``users add`` does: it acts as
the admin of the organisation named with ``--org`` (``cli:<login>`` in the audit record).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from rogatory import settings
from rogatory.cli.common import (
    JsonFlag,
    console,
    handles_errors,
    parse_on,
    print_json,
)
from rogatory.errors import RogatoryError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from sqlalchemy.orm import Session

    from rogatory.authorities.registry import AuthorityRecord
    from rogatory.requests.flows import Actor
    from rogatory.safeguards.requester import RequesterEvidence

authorities_app = typer.Typer(
    help="The registry of the authorities that may send requests.", no_args_is_help=True
)
request_app = typer.Typer(help="Signed request documents: sign and verify.", no_args_is_help=True)

OrgOption = Annotated[
    str | None,
    typer.Option("--org", help="The organisation whose registry (default: the only one)."),
]


def _organisation(session: Session, org: str | None) -> str:
    from sqlalchemy import select

    from rogatory.requests.models import Organisation

    if org is not None:
        if session.get(Organisation, org) is None:
            raise RogatoryError("organisation.not_found", f"--org: no organisation {org!r}")
        return org
    found = list(session.execute(select(Organisation.id).order_by(Organisation.id)).scalars())
    if len(found) != 1:
        raise RogatoryError(
            "input.invalid",
            "--org: name the organisation whose registry to use"
            + (f" (one of {', '.join(found)})" if found else " (there is none yet)"),
        )
    return found[0]


def _operator(session: Session, org: str | None) -> Actor:
    from rogatory.cli.records import _operator as login
    from rogatory.requests.flows import Actor
    from rogatory.requests.transitions import Role

    return Actor(login(), _organisation(session, org), frozenset({Role.ADMIN}))


def _engine() -> Any:
    from rogatory.db import engine as dbe

    return dbe.make_engine(settings.load().database_url)


def _instant(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise RogatoryError(
            "input.invalid_date",
            f"{option}: {value!r} is not a date-time",
            help="write 2027-01-31T12:00:00+00:00, or a date (2027-01-31, midnight UTC)",
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def record_json(r: AuthorityRecord) -> dict[str, Any]:
    return r.model_dump(mode="json")


def _print_record(r: AuthorityRecord) -> None:
    until = f" until {r.valid_until}" if r.valid_until else ""
    console.print(
        f"{r.id}  {r.state}  {r.kind.value}  {r.name}  (source {r.source.value}, from "
        f"{r.valid_from}{until})",
        markup=False,
    )
    console.print(f"  verified by {r.verified_by}: {r.verified_how}", markup=False)
    console.print(f"  domains: {', '.join(r.domains) or 'none'}", markup=False)
    console.print(f"  call-back numbers: {', '.join(r.phones) or 'none'}", markup=False)
    now = datetime.now(UTC)
    for k in r.keys:
        until_k = f" until {k.valid_until:%Y-%m-%d %H:%M} UTC" if k.valid_until else ""
        revoked = (
            f", revoked from {k.revoked_from:%Y-%m-%d %H:%M} UTC ({k.revoked_reason})"
            if k.revoked_from
            else ""
        )
        console.print(
            f"  key {k.kid}: {k.public_key} valid from {k.valid_from:%Y-%m-%d %H:%M} UTC"
            f"{until_k}{revoked}; now {k.status_at(now).value}",
            markup=False,
        )


@authorities_app.command("add")
@handles_errors
def add(
    state: Annotated[str | None, typer.Option("--state", help="The State (ISO alpha-3).")] = None,
    name: Annotated[str | None, typer.Option("--name", help="The authority's name.")] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind", help="central_authority, contact_point_24_7 or competent_authority."
        ),
    ] = None,
    domain: Annotated[
        list[str] | None, typer.Option("--domain", help="An official e-mail domain (repeatable).")
    ] = None,
    phone: Annotated[
        list[str] | None,
        typer.Option("--phone", help="A number to call back on, +CC... (repeatable)."),
    ] = None,
    public_key: Annotated[
        str | None, typer.Option("--public-key", help="Its Ed25519 public key (base64).")
    ] = None,
    kid: Annotated[str | None, typer.Option("--kid", help="The key's id.")] = None,
    valid_from: Annotated[
        str | None, typer.Option("--valid-from", help="The record's first day (default today).")
    ] = None,
    verified_by: Annotated[
        str | None, typer.Option("--verified-by", help="Who checked the record.")
    ] = None,
    verified_how: Annotated[
        str | None, typer.Option("--verified-how", help="How it was checked.")
    ] = None,
    ident: Annotated[str | None, typer.Option("--id", help="Its id (default: made up).")] = None,
    demo: Annotated[bool, typer.Option("--demo", help="A fictional demo authority.")] = False,
    from_file: Annotated[
        Path | None,
        typer.Option("--file", help="Add the records of a JSON or YAML file instead."),
    ] = None,
    org: OrgOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Add an authority (with a key, domains and call-back numbers) to the registry; every
    change is audited. With --file, every record of the file."""
    from rogatory.accounts import registry as admin
    from rogatory.authorities import registry, store
    from rogatory.db import engine as dbe

    if from_file is not None:
        records = registry.load_file(from_file).records
    else:
        missing = [
            o
            for o, v in (
                ("--state", state),
                ("--name", name),
                ("--kind", kind),
                ("--verified-by", verified_by),
                ("--verified-how", verified_how),
            )
            if v is None
        ]
        if missing:
            raise RogatoryError(
                "input.invalid", f"{', '.join(missing)}: needed to add an authority (or --file)"
            )
        if (public_key is None) != (kid is None):
            raise RogatoryError("input.invalid", "--public-key and --kid go together")
        start = parse_on(valid_from, "--valid-from")
        keys = (
            [
                {
                    "kid": kid,
                    "public_key": public_key,
                    "valid_from": datetime.combine(start, datetime.min.time(), UTC),
                }
            ]
            if kid
            else []
        )
        data = {
            "id": ident or store.new_id(state or "x"),
            "state": state,
            "name": name,
            "kind": kind,
            "domains": domain or [],
            "phones": phone or [],
            "keys": keys,
            "valid_from": start,
            "source": "demo" if demo else "organisation",
            "verified_by": verified_by,
            "verified_how": verified_how,
        }
        records = (registry.parse_record(data, file="the options"),)
    with dbe.sessions(_engine()).begin() as session:
        actor = _operator(session, org)
        added = [admin.add(session, actor, r) for r in records]
    if as_json:
        print_json({"authorities": [record_json(r) for r in added]})
        return
    for r in added:
        console.print(f"added {r.id} ({r.state} {r.kind.value}): {r.name}", markup=False)


@authorities_app.command("add-key")
@handles_errors
def add_key(
    authority: Annotated[str, typer.Argument(help="The authority's id.")],
    kid: Annotated[str, typer.Option("--kid", help="The key's id.")],
    public_key: Annotated[str, typer.Option("--public-key", help="Ed25519 public key (base64).")],
    valid_from: Annotated[
        str | None, typer.Option("--valid-from", help="From when it signs (default now).")
    ] = None,
    valid_until: Annotated[
        str | None, typer.Option("--valid-until", help="Until when it signs.")
    ] = None,
    org: OrgOption = None,
) -> None:
    """Register another public key of an authority (a rotation), audited."""
    from rogatory.accounts import registry as admin
    from rogatory.authorities.registry import parse_key
    from rogatory.db import engine as dbe

    key = parse_key(
        {
            "kid": kid,
            "public_key": public_key,
            "valid_from": _instant(valid_from, "--valid-from") or datetime.now(UTC),
            "valid_until": _instant(valid_until, "--valid-until"),
        },
        file="the options",
    )
    with dbe.sessions(_engine()).begin() as session:
        record = admin.add_key(session, _operator(session, org), authority, key)
    console.print(f"key {kid} added to {record.id} ({record.name})", markup=False)


@authorities_app.command("list")
@handles_errors
def list_authorities(
    state: Annotated[str | None, typer.Option("--state", help="Only this State.")] = None,
    org: OrgOption = None,
    as_json: JsonFlag = False,
) -> None:
    """The registry: every authority with its kind, domains, numbers and keys."""
    from rogatory.accounts import registry as admin
    from rogatory.db import engine as dbe
    from rogatory.parties import states

    code = None
    if state is not None:
        found = states.find(state)
        if found is None:
            raise RogatoryError(
                "input.unknown_state", f"--state: {states.unknown_state_message(state)}"
            )
        code = found.code
    with dbe.sessions(_engine(), read_only=True)() as session:
        records = admin.listed(session, _operator(session, org), state=code)
    if as_json:
        print_json({"authorities": [record_json(r) for r in records]})
        return
    table = Table("id", "state", "kind", "name", "keys")
    for col in table.columns:
        col.overflow = "fold"
    now = datetime.now(UTC)
    short = {
        "central_authority": "central authority",
        "contact_point_24_7": "24/7 contact",
        "competent_authority": "competent",
    }
    for r in records:
        keys = ", ".join(f"{k.kid} ({k.status_at(now).value})" for k in r.keys)
        demo = " (demo)" if r.source.value == "demo" else ""
        table.add_row(r.id, r.state, short[r.kind.value], r.name + demo, keys or "none")
    console.print(table)
    count = f"{len(records)} authorit{'y' if len(records) == 1 else 'ies'}"
    console.print(
        f"{count}; the depositary's notifications add none (none is shipped: no stored source "
        "shows one)",
        markup=False,
    )


@authorities_app.command("show")
@handles_errors
def show(
    authority: Annotated[str, typer.Argument(help="The authority's id.")],
    org: OrgOption = None,
    as_json: JsonFlag = False,
) -> None:
    """One authority's record, with who verified it and how."""
    from rogatory.accounts import registry as admin
    from rogatory.db import engine as dbe

    with dbe.sessions(_engine(), read_only=True)() as session:
        record = admin.show(session, _operator(session, org), authority)
    if as_json:
        print_json(record_json(record))
    else:
        _print_record(record)


@authorities_app.command("revoke-key")
@handles_errors
def revoke_key(
    kid: Annotated[str, typer.Argument(help="The key's id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (compromised, retired...).")],
    revoked_from: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Signatures from this moment on are invalid (default now; earlier "
            "when the key was compromised before it was noticed).",
        ),
    ] = None,
    org: OrgOption = None,
) -> None:
    """Revoke an authority's key: its signatures from --from on no longer verify. Audited."""
    from rogatory.accounts import registry as admin
    from rogatory.db import engine as dbe

    when = _instant(revoked_from, "--from")
    with dbe.sessions(_engine()).begin() as session:
        record = admin.revoke_key(
            session, _operator(session, org), kid, reason=reason, revoked_from=when
        )
    key = next(k for k in record.keys if k.kid == kid)
    assert key.revoked_from is not None
    console.print(
        f"key {kid} of {record.name} revoked from {key.revoked_from:%Y-%m-%d %H:%M:%S} UTC",
        markup=False,
    )


# ---- signed requests ---------------------------------------------------------------------


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RogatoryError("input.file_missing", f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RogatoryError("input.file_unreadable", f"{path}: cannot read: {exc}") from None
    except (ValueError, RecursionError) as exc:
        raise RogatoryError("request.invalid_json", f"{path}: not JSON: {exc}") from None


def public_key_of(value: str) -> Ed25519PublicKey:
    """``--public-key``: the base64 text ``keys generate`` prints, or a PEM file."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from rogatory.disclosure import keys

    path = Path(value)
    if len(value) < 4096 and path.is_file():
        try:
            key = serialization.load_pem_public_key(path.read_bytes())
        except ValueError as exc:
            raise RogatoryError(
                "receipt.invalid_key", f"{path}: not a PEM public key: {exc}"
            ) from None
        if not isinstance(key, Ed25519PublicKey):
            raise RogatoryError("receipt.invalid_key", f"{path}: not an Ed25519 key")
        return key
    return keys.parse_public(value)


@request_app.command("sign")
@handles_errors
def sign(
    request: Annotated[Path, typer.Argument(help="The request document (JSON).")],
    key: Annotated[Path, typer.Option("--key", help="The authority's PEM private key.")],
    kid: Annotated[str, typer.Option("--kid", help="The key's id in the authority registry.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the signed document here.")
    ] = None,
) -> None:
    """Sign a request document as its requesting authority (JWS, Ed25519, over its canonical
    JSON, with the key id, the issue time and a unique id)."""
    from rogatory.authorities import signed
    from rogatory.disclosure import keys
    from rogatory.safeguards import request as request_doc

    document = _read_json(request)
    request_doc.parse(document, file=str(request))  # refuse to sign a document that is not one
    signed_doc = signed.sign(document, keys.load_private(key), kid)
    text = json.dumps(signed_doc, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        print(text, end="")
        return
    out.write_text(text, encoding="utf-8")
    header = signed.open_envelope(signed_doc).header
    console.print(
        f"signed request written to {out} (kid {kid}, id {header['jti']}, issued "
        f"{datetime.fromtimestamp(header['iat'], UTC):%Y-%m-%d %H:%M:%S} UTC)",
        markup=False,
    )


def print_checks(evidence: RequesterEvidence) -> None:
    for c in evidence.checks:
        mark = "[green]ok[/green]  " if c.ok else "[red]FAIL[/red]"
        console.print(f"{mark} {c.name}: ", end="")
        console.print(c.message, markup=False)


@request_app.command("verify")
@handles_errors
def verify(
    path: Annotated[Path, typer.Argument(help="The signed request (JSON).")],
    public_key: Annotated[
        str | None,
        typer.Option(
            "--public-key", help="Check against this key (base64 or PEM file), not the registry."
        ),
    ] = None,
    authorities: Annotated[
        Path | None,
        typer.Option("--authorities", help="Check against the registry in this file."),
    ] = None,
    org: OrgOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Verify a signed request and print each check. Without --public-key or --authorities,
    against the organisation's registry in the database. Exit 0 valid, 1 invalid (or an
    unknown key), 2 unusable."""
    from rogatory.authorities import registry, signed
    from rogatory.authorities.assess import assess
    from rogatory.safeguards import request as request_doc
    from rogatory.safeguards.requester import Signature

    if public_key is not None and authorities is not None:
        raise RogatoryError(
            "input.conflicting_options", "--public-key and --authorities cannot be used together"
        )
    envelope = signed.open_envelope(_read_json(path))
    req = request_doc.parse(envelope.request, file=str(path))
    key = public_key_of(public_key) if public_key is not None else None
    if key is not None:
        reg = None
    elif authorities is not None:
        reg = registry.load_file(authorities)
    else:
        from rogatory.authorities import store
        from rogatory.db import engine as dbe

        with dbe.sessions(_engine(), read_only=True)() as session:
            reg = store.registry(session, _organisation(session, org))
    window = timedelta(hours=settings.load().request_window_hours)
    evidence = assess(req, envelope, registry=reg, public_key=key, window=window)
    valid = evidence.signature is Signature.VALID
    if as_json:
        print_json(
            {
                "valid": valid,
                "signature": evidence.signature.value,
                "kid": evidence.kid,
                "jti": envelope.jti,
                "authority": record_summary(evidence),
                "checks": [
                    {"check": c.name, "ok": c.ok, "message": c.message} for c in evidence.checks
                ],
            }
        )
    else:
        print_checks(evidence)
        console.print(
            "[green]valid[/green]"
            if valid
            else f"[bold red]INVALID[/bold red] ({evidence.signature.value})"
        )
    if not valid:
        raise typer.Exit(1)


def record_summary(evidence: RequesterEvidence) -> dict[str, str] | None:
    a = evidence.authority
    return None if a is None else {"id": a.id, "name": a.name, "state": a.state, "kind": a.kind}
