"""``rogatory obligations``, ``rogatory assess`` and ``rogatory laws``: the compliance and
policy teams' commands. Thin: the answers come from ``rogatory.compliance`` (and, for the
database, ``rogatory.assessments``); this module only prints them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from rogatory.cli.common import (
    InstrumentsOption,
    JsonFlag,
    OnOption,
    console,
    handles_errors,
    parse_on,
    print_json,
    verified_mark,
)
from rogatory.compliance import assessment, changes, diff, feed, footprint, laws
from rogatory.compliance.context import treaty_cite as _treaty
from rogatory.compliance.laws import SAFEGUARD_WORDS, LawRegister
from rogatory.errors import RogatoryError
from rogatory.law.citation import Level
from rogatory.parties import service, states
from rogatory.treaty import catalogue

LawsOption = Annotated[
    Path | None,
    typer.Option(
        "--laws", help="A folder of national implementation records (one YAML per State)."
    ),
]

laws_app = typer.Typer(
    help="The national implementation register: validate, show, diff, feed, import, subscribe.",
    no_args_is_help=True,
)


def _register(folder: Path | None) -> LawRegister:
    return laws.load(folder, catalogue.get()) if folder is not None else LawRegister()


def cite_text(c: dict[str, Any]) -> str:
    """A citation as one line: a treaty provision with its level, a national record with
    where and when it was read."""
    if c.get("kind") == "national_law":
        read = f", {c['source']}, read {c['read_on']}" if c.get("source") else ""
        return f"{c['label']}{read}"
    model = f" model {c['model']}" if c.get("model") else ""
    return f"{c['label']} {verified_mark(Level(c['verification']))}{escape(model)}"


# ---- obligations ---------------------------------------------------------------------------


@handles_errors
def obligations(
    state: Annotated[
        str | None,
        typer.Option("--state", help="Say which obligations reach a company in this State."),
    ] = None,
    on: OnOption = None,
    instruments: InstrumentsOption = None,
    laws_dir: LawsOption = None,
    as_json: JsonFlag = False,
) -> None:
    """The obligations catalogue: every provision that reaches a service provider or a legal
    person, whom it binds, what it asks of a company, and what the Convention does not ask."""
    day = parse_on(on)
    bundle = catalogue.get()
    cat = assessment.catalogue(bundle)
    register = _register(laws_dir)
    party = None
    if state is not None:
        code = states.lookup(state).code
        party = service.load(instruments_file=instruments).status(code, day)
    rows = []
    for oid, ob in cat.obligations.items():
        row: dict[str, Any] = {
            "id": oid,
            "title": ob.title,
            "articles": ob.articles,
            "binds": [p.value for p in ob.binds],
            "reaches": [p.value for p in ob.reaches],
            "reach": ob.reach.model_dump(mode="json", exclude_none=True),
            "trigger": ob.trigger,
            "summary": ob.summary,
            "verification": ob.level.value,
            "duties": [
                {
                    "kind": d.kind.value,
                    "strength": d.strength.value,
                    "says": d.says,
                    "capability": d.capability,
                    "constant": d.constant,
                    "value": bundle.constant(d.constant, day).value if d.constant else None,
                    "cite": _treaty(d.cite),
                }
                for d in ob.duties
            ],
            "cites": [_treaty(c) for c in ob.cites],
        }
        if party is not None:
            impl, records = register.implementation(party.state.code, ob.articles[0], day)
            row["in_state"] = {
                "state": party.state.code,
                "status": party.status.value,
                "bound_from": party.bound_from.isoformat() if party.bound_from else None,
                "implementation": impl.value,
                "laws": [r.id for r in records],
            }
        rows.append(row)
    not_required: list[dict[str, Any]] = [
        {"id": k, "says": v.says, "why": v.why, "cites": [_treaty(c) for c in v.cites]}
        for k, v in cat.not_required.items()
    ]
    if as_json:
        print_json(
            {
                "as_of": day.isoformat(),
                "treaty": bundle.id,
                "bundle_revision": bundle.revision,
                "state": party.state.code if party else None,
                "obligations": rows,
                "not_required": not_required,
            }
        )
        return
    if party is not None:
        console.print(
            f"{party.state.name} ({party.state.code}) on {day}: {party.explain()}", markup=False
        )
    for row in rows:
        level = verified_mark(Level(row["verification"]))
        arts = ", ".join(f"Art {a}" for a in row["articles"])
        console.print(f"[bold]{row['id']}[/bold]  {row['title']} ({arts})  {level}")
        console.print(
            f"    binds {', '.join(row['binds'])}; reaches {', '.join(row['reaches'])} "
            f"({', '.join(row['reach']['presence'])})",
            markup=False,
        )
        console.print(f"    when: {row['trigger']}", markup=False)
        for d in row["duties"]:
            value = f" [{d['constant']} = {d['value']}]" if d["constant"] else ""
            console.print(f"    {d['strength']:<8} {d['kind']}: {d['says']}{value}", markup=False)
            console.print(f"             {cite_text(d['cite'])}")
        if "in_state" in row:
            s = row["in_state"]
            console.print(
                f"    in {s['state']}: {s['status'].replace('_', ' ')}; implementation "
                f"{s['implementation'].replace('_', ' ')}"
                + (f" ({', '.join(s['laws'])})" if s["laws"] else ""),
                markup=False,
            )
    console.print("[bold]What the Convention does not require of companies[/bold]")
    for item in not_required:
        console.print(f"  {item['id']}: {item['says']}", markup=False)
        for c in item["cites"]:
            console.print(f"      {cite_text(c)}")


# ---- assess --------------------------------------------------------------------------------


def print_assessment(j: dict[str, Any]) -> None:
    console.print(
        f"[bold]{j['company']}[/bold] as of {j['as_of']} ({j['treaty']} bundle "
        f"{j['bundle_revision'][:19]}…)"
    )
    gaps_by_state: dict[str, list[dict[str, Any]]] = {}
    for g in j["gaps"]:
        gaps_by_state.setdefault(g["state"], []).append(g)
    for c in j["countries"]:
        when = (
            f"bound from {c['bound_from']}"
            if c["status"] == "bound"
            else c["status"].replace("_", " ")
            + (f", bound from {c['bound_from']}" if c["bound_from"] else "")
            + (f", projected from {c['projected_bound_from']}" if c["projected_bound_from"] else "")
        )
        how = "; ".join(f"{k} {', '.join(v)}" for k, v in c["presence"].items() if v)
        console.print(f"\n[bold]{c['state']}[/bold] {c['name']}: {when}  ({how})", markup=True)
        if not c["register"]["tracked"]:
            console.print("  register: no record of this State's law (unknown)", markup=False)
        for o in c["obligations"]:
            applies = {True: "yes", False: "no"}.get(o["applies"], "unknown")
            colour = {"yes": "green", "no": "dim", "unknown": "yellow"}[applies]
            console.print(f"  [{colour}]{applies:<8}[/{colour}] {o['id']:<32} {o['reason']}")
        for g in gaps_by_state.get(c["state"], []):
            colour = {"high": "red", "medium": "yellow", "low": "cyan"}[g["severity"]]
            who = f"{g['service']}: " if g["service"] else ""
            console.print(
                f"  [{colour}]{g['severity'].upper():<8}[/{colour}] {g['id']}  {who}{g['finding']}"
            )
            console.print(f"           remediation: {g['remediation']}", markup=False)
            for cite in g["cites"]:
                console.print(f"           {cite_text(cite)}")
    s = j["summary"]
    console.print(
        f"\n{s['countries']} countries ("
        + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in s["by_status"].items())
        + f"); obligations: {s['obligations']['yes']} apply, {s['obligations']['unknown']} "
        f"unknown, {s['obligations']['no']} do not; gaps: {s['gaps']['high']} high, "
        f"{s['gaps']['medium']} medium, {s['gaps']['low']} low; "
        f"{s['unverified_citations']} provisions cited are UNVERIFIED.",
        markup=False,
    )


def _read_assessment(path: Path) -> dict[str, Any]:
    return diff.load(path)


def _write(text: str | bytes, out: Path | None) -> None:
    if out is None:
        assert isinstance(text, str)  # bytes (a PDF) always go to --out
        console.file.write(text)
        return
    try:
        if isinstance(text, bytes):
            out.write_bytes(text)
        else:
            out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise RogatoryError("input.file_unreadable", f"--out {out}: cannot write: {exc}") from None
    console.print(f"written: {out}", markup=False)


@handles_errors
def assess(
    target: Annotated[
        str, typer.Argument(metavar="FOOTPRINT", help="The footprint (YAML), or `diff OLD NEW`.")
    ],
    more: Annotated[list[str] | None, typer.Argument(hidden=True)] = None,
    on: OnOption = None,
    instruments: InstrumentsOption = None,
    laws_dir: LawsOption = None,
    fmt: Annotated[
        str, typer.Option("--format", help="text (the default), json, html or pdf (needs --out).")
    ] = "text",
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the report to this file.")
    ] = None,
) -> None:
    """Assess a company's footprint: per country, whether the Convention binds it, which
    obligations apply and the gaps, each cited. `rogatory assess diff OLD.json NEW.json`
    compares two assessments."""
    if fmt not in ("text", "json", "html", "pdf"):
        raise RogatoryError("input.invalid", f"--format: {fmt!r} is not text, json, html or pdf")
    if fmt == "pdf" and out is None:
        raise RogatoryError(
            "input.invalid", "--format pdf needs --out FILE: a PDF is not written to the terminal"
        )
    if target == "diff":
        if not more or len(more) != 2:
            raise RogatoryError("input.invalid", "assess diff takes two assessments: OLD NEW")
        old, new = (_read_assessment(Path(p)) for p in more)
        changed = diff.compare(old, new)
        if fmt == "json":
            _write(json.dumps(changed, indent=2, ensure_ascii=False) + "\n", out)
        elif fmt in ("html", "pdf"):
            raise RogatoryError("input.invalid", f"--format {fmt} is for an assessment, not a diff")
        else:
            for line in diff.lines(changed):
                console.print(line, markup=False)
        return
    if more:
        raise RogatoryError("input.invalid", f"unexpected arguments: {' '.join(more)}")
    day = parse_on(on)
    fp = footprint.load(Path(target))
    register = service.load(instruments_file=instruments)
    result = assessment.assess(fp, register, _register(laws_dir), day).json()
    if fmt == "json":
        _write(json.dumps(result, indent=2, ensure_ascii=False) + "\n", out)
    elif fmt == "html":
        from rogatory.web import compliance_report

        _write(compliance_report.standalone(result), out)
    elif fmt == "pdf":
        from rogatory.web import compliance_report

        _write(compliance_report.pdf(result), out)
    elif out is not None:
        raise RogatoryError(
            "input.invalid", "--out writes json, html or pdf: add --format json|html|pdf"
        )
    else:
        print_assessment(result)


# ---- laws ----------------------------------------------------------------------------------


@laws_app.command("validate")
@handles_errors
def validate(
    folder: Annotated[Path, typer.Argument(help="The folder of national records.")],
) -> None:
    """Check a folder of national records against the strict schema and the Convention's
    articles; every problem is listed with its file and key path."""
    register = laws.load(folder, catalogue.get())
    count = sum(1 for _ in register.all_records())
    console.print(f"ok {folder}: {count} records of {len(register.files)} States", markup=False)


@laws_app.command("show")
@handles_errors
def show(
    state: Annotated[str, typer.Argument(help="The State (ISO alpha-3, or a test State).")],
    on: OnOption = None,
    laws_dir: LawsOption = None,
    as_json: JsonFlag = False,
) -> None:
    """A State's implementing laws and bills on a date: status, provisions implemented,
    requirements on companies, safeguards, each answer with its source and date read."""
    day = parse_on(on)
    code = states.lookup(state).code
    register = _register(laws_dir)
    records = register.records(code)
    rows = [_record_json(r, day) for r in records]
    if as_json:
        print_json(
            {
                "state": code,
                "as_of": day.isoformat(),
                "tracked": register.tracked(code),
                "records": rows,
            }
        )
        return
    if not register.tracked(code):
        console.print(f"{code}: the register holds no record of this State (unknown)", markup=False)
        return
    console.print(f"[bold]{code}[/bold] on {day}: {len(rows)} records")
    for r in rows:
        mark = " [fictional]" if r["fictional"] else ""
        now = r["status_on"] or "not yet introduced"
        console.print(
            f"\n{r['title']} ({r['citation']}){mark}: {now.replace('_', ' ')}", markup=False
        )
        if r["url"]:
            console.print(f"  {r['url']}", markup=False)
        console.print(
            "  history: "
            + "; ".join(f"{e['status'].replace('_', ' ')} {e['on']}" for e in r["status"]),
            markup=False,
        )
        for i in r["implements"]:
            para = f"({i['paragraph']})" if i["paragraph"] else ""
            where = f" by {i['provision']}" if i["provision"] else ""
            console.print(f"  implements Art {i['article']}{para}{where}", markup=False)
        for key, v in r["requirements"].items():
            console.print(
                f"  requires {key}: {v['value']}  ({v['source']}, read {v['read_on']})",
                markup=False,
            )
        for key, a in r["safeguards"].items():
            words = SAFEGUARD_WORDS[laws.Safeguard(key)]
            console.print(
                f"  safeguard {words}: {a['answer']}  ({a['source']}, read {a['read_on']})",
                markup=False,
            )


def _record_json(record: laws.Record, day: Any) -> dict[str, Any]:
    now = record.status_on(day)
    requirements: dict[str, Any] = {}
    for path, sourced in record.readings():
        if path.startswith("requirements."):
            requirements[path.removeprefix("requirements.")] = sourced.model_dump(
                mode="json", exclude_none=True
            )
    return {
        "id": record.id,
        "title": record.title,
        "citation": record.citation,
        "url": record.url,
        "fictional": record.fictional,
        "status_on": now.status.value if now else None,
        "in_force": record.in_force_on(day),
        "status": [e.model_dump(mode="json", exclude_none=True) for e in record.status],
        "implements": [i.model_dump(mode="json") for i in record.implements],
        "requirements": requirements,
        "safeguards": {
            k.value: a.model_dump(mode="json", exclude_none=True)
            for k, a in record.safeguards.items()
        },
    }


@laws_app.command("diff")
@handles_errors
def laws_diff(
    since: Annotated[str, typer.Option("--since", help="List changes dated on or after this day.")],
    until: Annotated[
        str | None, typer.Option("--until", help="... and on or before this day.")
    ] = None,
    laws_dir: LawsOption = None,
    as_json: JsonFlag = False,
) -> None:
    """What changed in the register since a date, per State: status changes of laws and
    bills, and answers read again."""
    start = parse_on(since, "--since")
    end = parse_on(until, "--until") if until else None
    found = changes.since(_register(laws_dir), start, end)
    grouped = changes.by_state(found)
    if as_json:
        print_json(
            {
                "since": start.isoformat(),
                "until": end.isoformat() if end else None,
                "states": {s: [c.json() for c in cs] for s, cs in grouped.items()},
            }
        )
        return
    if not grouped:
        console.print(f"no change since {start}", markup=False)
    for state, items in grouped.items():
        console.print(f"[bold]{state}[/bold]: {len(items)} change{'s' if len(items) != 1 else ''}")
        for c in items:
            mark = " [fictional]" if c.fictional else ""
            console.print(f"  {c.on}  {c.kind:<9} {c.what}{mark}", markup=False)


@laws_app.command("feed")
@handles_errors
def laws_feed(
    since: Annotated[str, typer.Option("--since", help="Changes dated on or after this day.")],
    laws_dir: LawsOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the feed to this file.")] = None,
) -> None:
    """An Atom feed of the register's changes since a date."""
    start = parse_on(since, "--since")
    found = changes.since(_register(laws_dir), start)
    text = feed.atom(
        found,
        feed_id="tag:rogatory,2026:laws",
        title="National implementation of the UN Convention against Cybercrime",
        link="urn:rogatory:laws",
        updated=datetime.now(UTC),
    )
    _write(text, out)


def _sessions() -> Any:
    from rogatory import settings
    from rogatory.db import engine as dbe

    return dbe.sessions(dbe.make_engine(settings.load().database_url))


@laws_app.command("import")
@handles_errors
def laws_import(
    folder: Annotated[Path, typer.Argument(help="The folder of national records to import.")],
    who: Annotated[
        str | None, typer.Option("--as", help="Who makes the change (kept with it).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Import a folder of national records into the database (for the web app): every added,
    changed or removed record is kept with who and when."""
    from rogatory.assessments import service as store
    from rogatory.cli.records import _operator

    register = laws.load(folder, catalogue.get())
    with _sessions().begin() as session:
        made: list[dict[str, Any]] = [
            {
                "id": c.id,
                "state": c.state,
                "record": c.record_id,
                "change": c.change,
                "fields": c.fields,
            }
            for c in store.import_laws(session, register, by=who or _operator())
        ]
    if as_json:
        print_json({"changes": made})
        return
    for c in made:
        fields = f" ({', '.join(c['fields'])})" if c["change"] == "changed" else ""
        console.print(f"{c['state']} {c['record']}: {c['change']}{fields}", markup=False)
    console.print(f"{len(made)} changes recorded from {folder}", markup=False)


@laws_app.command("subscribe")
@handles_errors
def laws_subscribe(
    state: Annotated[str, typer.Argument(help="The State to follow.")],
    user: Annotated[str, typer.Option("--user", help="The person who follows it (email).")],
) -> None:
    """Follow a State's implementation: its changes become notices due to the person."""
    from sqlalchemy import select

    from rogatory.accounts.models import User
    from rogatory.accounts.service import roles_of
    from rogatory.assessments import service as store
    from rogatory.requests.flows import Actor

    with _sessions().begin() as session:
        found = session.execute(
            select(User).where(User.email == user.strip().lower())
        ).scalar_one_or_none()
        if found is None or not found.active:
            raise RogatoryError("user.not_found", f"--user: no active user {user!r}")
        sub = store.subscribe(session, Actor(found.email, found.org_id, roles_of(found)), state)
        line = f"{sub.email} follows {sub.state}"
    console.print(line, markup=False)


@laws_app.command("notices")
@handles_errors
def laws_notices(as_json: JsonFlag = False) -> None:
    """The notices due to subscribers (what the notification channel will send); nothing is
    sent or marked here."""
    from rogatory.assessments import service as store

    with _sessions()() as session:
        due = store.pending_notices(session)
    rows: list[dict[str, Any]] = [
        {
            "email": n.email,
            "org": n.org_id,
            "state": n.state,
            "through": n.through,
            "changes": [c.json() for c in n.changes],
        }
        for n in due
    ]
    if as_json:
        print_json({"notices": rows})
        return
    if not rows:
        console.print("no notice due", markup=False)
    for r in rows:
        console.print(
            f"{r['email']} ({r['org']}): {r['state']}, {len(r['changes'])} changes", markup=False
        )
        for c in r["changes"]:
            console.print(f"  {c['what']}", markup=False)
