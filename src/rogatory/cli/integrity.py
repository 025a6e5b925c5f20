"""``rogatory audit verify|checkpoint`` and ``rogatory keys rotate|list|encrypt``: the audit
chain with its signed checkpoints, and the organisations' signing keys.

The storage and cryptography libraries are imported inside the commands, as in ``records``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rogatory import settings
from rogatory.cli.common import JsonFlag, console, err_console, handles_errors, print_json
from rogatory.errors import RogatoryError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from rogatory.db.state import StateReport
    from rogatory.signing.checkpoints import Claim, Report

audit_app = typer.Typer(help="The tamper-evident audit chain.", no_args_is_help=True)
keys_app = typer.Typer(help="Signing keys for custody receipts.", no_args_is_help=True)

OrgOption = Annotated[
    str | None, typer.Option("--org", help="Only this organisation (default: every one).")
]


def _claims(path: Path) -> list[Claim]:
    """The signed heads in a file: a checkpoint, a list of them, a custody receipt or a
    published report."""
    from rogatory.disclosure import receipts
    from rogatory.reports import snapshot
    from rogatory.signing import checkpoint, checkpoints

    data = receipts.read_json(path, code="checkpoint.invalid", what="checkpoint")
    if isinstance(data, dict) and data.get("format") == snapshot.FORMAT:
        return [snapshot.claim(snapshot.parse(data, file=str(path)), str(path))]
    if isinstance(data, dict) and str(data.get("format", "")).startswith("rogatory-custody"):
        return [checkpoints.claim_of_receipt(receipts.parse(data, file=str(path)), str(path))]
    return [checkpoints.claim_of(c, str(path)) for c in checkpoint.parse(data, file=str(path))]


def _report_json(report: Report) -> dict[str, Any]:
    chain = report.chain
    return {
        "ok": report.ok,
        "events": chain.events,
        "chains": chain.chains,
        "broken_chain": chain.broken_chain,
        "broken_seq": chain.broken_seq,
        "reason": chain.reason,
        "checkpoints": [
            {
                "source": f.claim.source,
                "chain": f.claim.chain,
                "seq": f.claim.seq,
                "ok": f.ok,
                "problem": f.problem,
            }
            for f in report.findings
        ],
        "warnings": report.warnings,
    }


def _print_report(report: Report) -> None:
    style = "green" if report.chain.ok else "bold red"
    console.print(f"[{style}]{report.chain.describe()}[/{style}]")
    stored = [f for f in report.findings if f.claim.source == "stored"]
    held = sum(1 for f in stored if f.ok)
    if stored:
        latest = max(stored, key=lambda f: f.claim.seq)
        console.print(
            f"stored checkpoints: {held} of {len(stored)} hold (latest: chain "
            f"{latest.claim.chain!r} at event {latest.claim.seq})",
            markup=False,
        )
    for f in report.findings:
        if f.claim.source == "stored" and f.ok:
            continue
        mark = "[green]ok[/green]  " if f.ok else "[red]FAIL[/red]"
        what = f"checkpoint of chain {f.claim.chain!r} at event {f.claim.seq} ({f.claim.source})"
        console.print(f"{mark} {what}: ", end="")
        console.print(
            f.problem or "holds: the chain still has this event with this hash", markup=False
        )
    for warning in report.warnings:
        err_console.print(f"warning: {warning}", markup=False)


@audit_app.command("verify")
@handles_errors
def verify(
    chain: Annotated[str | None, typer.Option("--chain", help="Only this chain.")] = None,
    checkpoint_files: Annotated[
        list[Path] | None,
        typer.Option(
            "--checkpoint",
            help="A checkpoint (or receipt) kept elsewhere, to hold the chain against; repeatable.",
        ),
    ] = None,
    state: Annotated[
        bool,
        typer.Option(
            "--state",
            help="Also recompute each case's and user's state from its rows and hold it "
            "against the state its last event recorded; name the first row that differs.",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Recompute the audit hash chain and hold it against its checkpoints (the stored ones and
    any given); name the first broken link and every checkpoint that fails. With --state, also
    check the cases' and users' rows against the state their events recorded (the chain
    proves the events; only --state looks at the rows). Exit 1 if anything fails."""
    from rogatory.db import engine as dbe
    from rogatory.db import state as states
    from rogatory.signing import checkpoints

    claims = [c for path in checkpoint_files or [] for c in _claims(path)]
    engine = dbe.make_engine(settings.load().database_url)
    with dbe.sessions(engine, read_only=True)() as session:
        report = checkpoints.verify(session, chain=chain, external=claims)
        rows = states.verify(session, chain=chain) if state else None
    if as_json:
        found = _report_json(report)
        if rows is not None:
            found |= {"ok": report.ok and rows.ok, "state": states.as_json(rows)}
        print_json(found)
    else:
        _print_report(report)
        if rows is not None:
            _print_state(rows)
    if not report.ok or (rows is not None and not rows.ok):
        raise typer.Exit(1)


def _print_state(rows: StateReport) -> None:
    from rich.text import Text

    first, *rest = rows.describe()
    console.print(Text(first, style="green" if rows.ok else "bold red"))
    for line in rest:
        console.print("[red]FAIL[/red] ", end="")
        console.print(line, markup=False)
    for warning in rows.warnings:
        err_console.print(f"warning: {warning}", markup=False)


@audit_app.command("checkpoint")
@handles_errors
def checkpoint(
    org: OrgOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the checkpoint here.")] = None,
) -> None:
    """Sign the audit chain head of an organisation (or of each) now, store it, and print or
    write it as JSON: keep it away from the database, and check the chain against it later
    with 'rogatory audit verify --checkpoint FILE'."""
    from sqlalchemy import select

    from rogatory.db import engine as dbe
    from rogatory.requests.models import Organisation
    from rogatory.signing import checkpoint as document
    from rogatory.signing import checkpoints

    engine = dbe.make_engine(settings.load().database_url)
    with dbe.sessions(engine).begin() as session:
        orgs = (
            [org]
            if org
            else list(session.execute(select(Organisation.id).order_by(Organisation.id)).scalars())
        )
        if not orgs:
            raise RogatoryError("audit.empty_chain", "there is no organisation to checkpoint")
        taken = [checkpoints.take(session, o) for o in orgs]
    text = document.dump(taken)
    if out is None:
        print(text, end="")
    else:
        out.write_text(text, encoding="utf-8")
        for c in taken:
            console.print(
                f"checkpoint of chain {c.head.chain!r} at event {c.head.seq} (hash "
                f"{c.head.hash[:16]}..., key {c.key_id}) written to {out}",
                markup=False,
            )


@keys_app.command("generate")
@handles_errors
def generate(
    folder: Annotated[
        Path, typer.Argument(help="Where to write receipt-signing.pem (request-signing.pem).")
    ],
    requester: Annotated[
        bool,
        typer.Option(
            "--requester",
            help="A requesting authority's key for signing requests (request-signing.pem, "
            "and its public key as request-signing.pub.pem to give the receiver).",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Create an Ed25519 signing key (PEM, readable by its owner only); print the public key
    and its key id. The same kind of key signs custody receipts and, with --requester, a
    requesting authority's requests ('rogatory request sign')."""
    from cryptography.hazmat.primitives import serialization

    from rogatory.disclosure import keys

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ("request-signing.pem" if requester else "receipt-signing.pem")
    if path.exists():
        raise RogatoryError("keys.exists", f"{path} exists; refusing to overwrite a signing key")
    key = keys.generate()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(keys.private_pem(key))
    public = keys.public_b64(key.public_key())
    kid = keys.key_id(key.public_key())
    found: dict[str, str] = {"private_key": str(path), "public_key": public, "key_id": kid}
    if requester:
        pub = folder / "request-signing.pub.pem"
        pub.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        found["public_key_file"] = str(pub)
    if as_json:
        print_json(found)
    else:
        console.print(
            f"private key: {path}\npublic key:  {public}\nkey id:      {kid}", markup=False
        )
        if requester:
            console.print(f"public key file: {found['public_key_file']}", markup=False)


@keys_app.command("rotate")
@handles_errors
def rotate(
    org: OrgOption = None,
    actor: Annotated[str, typer.Option("--as", help="Who is recorded as rotating.")] = "cli",
    as_json: JsonFlag = False,
) -> None:
    """Make a new key each organisation's (or one's) signing key. The old key's period ends
    now; it stays published, so what it signed still verifies."""
    from sqlalchemy import select

    from rogatory.db import engine as dbe
    from rogatory.requests.models import Organisation
    from rogatory.signing import keyring

    engine = dbe.make_engine(settings.load().database_url)
    with dbe.sessions(engine).begin() as session:
        orgs = (
            [org]
            if org
            else list(session.execute(select(Organisation.id).order_by(Organisation.id)).scalars())
        )
        rotated = [(o, *keyring.rotate(session, o, actor=actor)) for o in orgs]
    rows = [
        {"organisation": o, "retired": old.id if old else None, "current": new.id}
        for o, old, new in rotated
    ]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        console.print(
            f"{r['organisation']}: signing key {r['current']} is current"
            + (f"; {r['retired']} retired, still published" if r["retired"] else ""),
            markup=False,
        )


@keys_app.command("list")
@handles_errors
def list_keys(org: OrgOption = None, as_json: JsonFlag = False) -> None:
    """Every signing key with its validity period and how it is stored."""
    from rogatory.db import engine as dbe
    from rogatory.signing import keyring

    engine = dbe.make_engine(settings.load().database_url)
    with dbe.sessions(engine, read_only=True)() as session:
        found = keyring.all_keys(session, org)
        rows = [
            {
                "organisation": k.org_id,
                **keyring.published(k).model_dump(mode="json"),
                "stored": "plaintext" if k.legacy_pem is not None else "encrypted",
            }
            for k in found
        ]
    if as_json:
        print_json(rows)
        return
    for r, k in zip(rows, found, strict=True):
        console.print(
            f"{r['organisation']}  {r['key_id']}  {keyring.published(k).period()}  {r['stored']}",
            markup=False,
        )
    for r in rows:
        if r["stored"] == "plaintext":
            err_console.print(
                f"warning: key {r['key_id']} is stored in plaintext: run 'rogatory keys encrypt'",
                markup=False,
            )


@keys_app.command("encrypt")
@handles_errors
def encrypt() -> None:
    """Seal every signing key still stored in plaintext (from before keys were encrypted)."""
    from rogatory.db import engine as dbe

    engine = dbe.make_engine(settings.load().database_url)
    console.print(seal_plaintext(engine), markup=False)


def _vacuum(engine: Engine) -> None:
    """Rewrite a SQLite file without its free pages and empty its write-ahead log, where the
    plaintext that was just replaced would otherwise linger (VACUUM runs outside any
    transaction, so on the driver's connection)."""
    conn = engine.raw_connection()
    try:
        conn.driver_connection.execute("VACUUM")  # type: ignore[union-attr]
        conn.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
    finally:
        conn.close()


def seal_plaintext(engine: Engine) -> str:
    """Seal the plaintext keys; say how many. Shared by ``keys encrypt`` and ``db upgrade``."""
    from rogatory.db import engine as dbe
    from rogatory.signing import keyring

    with dbe.sessions(engine).begin() as session:
        sealed = keyring.encrypt_plaintext(session)
    if sealed and engine.dialect.name == "sqlite":
        _vacuum(engine)
    if not sealed:
        return "no signing key is stored in plaintext"
    listed = ", ".join(f"{k.org_id} {k.id}" for k in sealed)
    return f"encrypted {len(sealed)} signing key(s) stored in plaintext: {listed}"
