"""``rogatory check``, ``rogatory explain`` and ``rogatory schema``: screening from the shell."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.progress import Progress
from rich.table import Table

from rogatory.cli.common import (
    EXIT_INPUT,
    AgreementsOption,
    DeclarationsOption,
    IgnoreShipped,
    InstrumentsOption,
    JsonFlag,
    console,
    err_console,
    handles_errors,
    parse_on,
    print_json,
    report,
    requester_policy,
    verified_mark,
)
from rogatory.errors import RogatoryError
from rogatory.law.citation import Level, parse_provision_id
from rogatory.law.decision import Flag, Outcome, Result
from rogatory.treaty import catalogue

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from rogatory.authorities.registry import Registry
    from rogatory.safeguards.engine import Decision
    from rogatory.safeguards.request import Request
    from rogatory.safeguards.requester import RequesterEvidence


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"


RESULT_STYLE = {
    Result.PASS: "green",
    Result.FAIL: "red",
    Result.REVIEW: "yellow",
    Result.NOT_APPLICABLE: "dim",
    Result.OVERRIDDEN: "cyan",
}
OUTCOME_STYLE = {
    Outcome.PROCEED: "bold green",
    Outcome.REVIEW: "bold yellow",
    Outcome.INVALID: "bold magenta",
    Outcome.REFUSE: "bold red",
    Outcome.OUTSIDE_SCOPE: "bold blue",
    Outcome.NOT_IN_FORCE: "bold red",
}

DomesticOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--domestic-law", help="YAML mapping of the requested State's offences (repeatable)."
    ),
]
SignalsOption = Annotated[
    Path | None, typer.Option("--signals", help="YAML signal lists replacing the shipped ones.")
]
FormatOption = Annotated[Format, typer.Option("--format", help="text or json.")]
PublicKeyOption = Annotated[
    str | None,
    typer.Option(
        "--public-key",
        help="Check a signed request's signature against this key (base64, or a PEM file).",
    ),
]
AuthoritiesOption = Annotated[
    Path | None,
    typer.Option(
        "--authorities",
        help="An authority registry (JSON or YAML, as 'authorities list --json' prints it) to "
        "check signed requests and sender domains against.",
    ),
]
ALL = "all"
NumberingOption = Annotated[
    str | None,
    typer.Option(
        "--numbering",
        help="The treaty whose article numbers the request's offence articles are written in "
        "(default: the treaty screened under; uncc with --treaty all); they are carried into "
        "the screening treaty's numbering through the shipped crosswalk, and each translation "
        "is said.",
    ),
]
ScreenTreatyOption = Annotated[
    str,
    typer.Option(
        "--treaty",
        help="The treaty to screen under: uncc (the default) or budapest; 'all' screens one "
        "request under every shipped treaty with screening rules, side by side.",
    ),
]


def _treaty_name(decision: Decision) -> str:
    t = decision.treaty or {}
    return f"{t.get('title', '?')} ({t.get('instrument', '?')})"


def _print_decision(decision: Decision, label: str | None = None) -> None:
    style = OUTCOME_STYLE[decision.outcome]
    head = f"[{style}]{decision.outcome.value.upper()}[/{style}]"
    where = f"{escape(label)}: " if label else ""
    console.print(
        f"{where}{head} as of {decision.as_of} under {escape(_treaty_name(decision))} "
        f"(bundle {decision.bundle_revision[:19]}…)"
    )
    bases = [
        b["instrument"] + (" (governs the request)" if b.get("governs") else "")
        for b in decision.legal_bases
    ]
    console.print(
        "Legal bases in force between the States: " + ("; ".join(bases) or "none known"),
        markup=False,
    )
    ev = decision.requester
    if ev.checks:
        who = f" by {ev.authority.name} ({ev.authority.state})" if ev.authority else ""
        console.print(f"Signature: {ev.signature.value}{who}", markup=False)
        for c in ev.checks:
            console.print(f"  {'ok  ' if c.ok else 'FAIL'} {c.name}: {c.message}", markup=False)
    human_rights = [f for f in decision.findings if Flag.HUMAN_RIGHTS in f.flags]
    for f in human_rights:
        console.print(
            Panel(escape(f.reason), title="HUMAN RIGHTS", border_style="bold red"), soft_wrap=False
        )
    table = Table(show_lines=False)
    for col in ("Result", "Rule", "Reason", "Cites"):
        table.add_column(col, overflow="fold")
    for f in decision.findings:
        cites = ", ".join(
            c.label.removeprefix(f"{c.instrument} ")
            + ("" if c.verified else f" † {c.verification.value}")
            for c in f.cites
        )
        flags = "".join(f" [{flag.value}]" for flag in f.flags)
        st = RESULT_STYLE[f.result]
        table.add_row(f"[{st}]{f.result.value}[/{st}]", f.rule, escape(f.reason + flags), cites)
    console.print(table)
    if decision.unverified_provisions:
        console.print(
            "[yellow]† UNVERIFIED[/yellow] (the level follows the mark: model, secondary or "
            "recollection; check against the authentic text): "
            + ", ".join(decision.unverified_provisions)
        )


def side_by_side_ids() -> list[str]:
    """The shipped treaties that have screening rules, the default first."""
    ids = [b for b in catalogue.bundle_ids() if catalogue.get(b).screening]
    return sorted(ids, key=lambda b: (b != catalogue.DEFAULT, b))


def _numbering(treaty: str) -> str:
    """A ``--numbering`` treaty: one whose offence articles a request can name."""
    ids = side_by_side_ids()
    if treaty not in ids:
        raise RogatoryError(
            "input.invalid",
            f"--numbering {treaty}: not a treaty with offence articles",
            help="treaties with screening rules: " + ", ".join(ids),
        )
    return treaty


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".json" and p.is_file())
        if not files:
            raise RogatoryError("input.empty_folder", f"{path}: no .json request files")
        return files
    return [path]


@handles_errors
def check(
    path: Annotated[Path, typer.Argument(help="A request file (JSON), or a folder of them.")],
    on: Annotated[
        str | None, typer.Option("--on", help="Legal date (YYYY-MM-DD); default: submitted_on.")
    ] = None,
    instruments: InstrumentsOption = None,
    ignore_shipped: IgnoreShipped = False,
    domestic_law: DomesticOption = None,
    signals: SignalsOption = None,
    declarations: DeclarationsOption = None,
    agreements: AgreementsOption = None,
    output: FormatOption = Format.TEXT,
    treaty: ScreenTreatyOption = catalogue.DEFAULT,
    numbering: NumberingOption = None,
    public_key: PublicKeyOption = None,
    authorities: AuthoritiesOption = None,
) -> None:
    """Screen a request (or every request in a folder) against a treaty (--treaty).

    A signed request's signature is checked against --public-key or the registry in
    --authorities (without either, its key is unknown here). Exit 0 for any decision; 2 when
    an input cannot be used.
    """
    when = parse_on(on) if on is not None else None
    if not path.exists():
        raise RogatoryError("input.file_missing", f"{path}: file not found")
    files = _files(path)
    from rogatory.cli.authorities import public_key_of
    from rogatory.safeguards import engine, request  # the engine loads only when screening

    if public_key is not None and authorities is not None:
        raise RogatoryError(
            "input.conflicting_options", "--public-key and --authorities cannot be used together"
        )
    key = public_key_of(public_key) if public_key is not None else None
    from rogatory.authorities import registry as registry_

    known = registry_.load_file(authorities) if authorities is not None else None

    source = _numbering(numbering or (catalogue.DEFAULT if treaty == ALL else treaty))

    def load(file: Path) -> tuple[request.Request, list[str], RequesterEvidence]:
        return _load(file, treaty, source, key, known)

    if treaty == ALL:
        from rogatory.cli import side_by_side

        side_by_side.run(
            path,
            when,
            numbering=source,
            domestic_law=domestic_law,
            signals=signals,
            agreements=agreements,
            instruments=instruments,
            declarations=declarations,
            ignore_shipped=ignore_shipped,
            as_json=output is Format.JSON,
        )
        return
    if not catalogue.get(treaty).screening:
        raise RogatoryError(
            "input.invalid",
            f"--treaty {treaty}: this treaty has no screening rules",
            help="treaties with screening rules: " + ", ".join(side_by_side_ids()),
        )
    screener = engine.load(
        bundle_id=treaty,
        instruments_file=instruments,
        ignore_shipped=ignore_shipped,
        domestic_law_files=domestic_law,
        signals_file=signals,
        declarations_file=declarations,
        agreements_file=agreements,
        requester_policy=requester_policy(),
    )
    if not path.is_dir():
        screened, notes, evidence = load(files[0])
        decision = screener.screen(screened, when, requester=evidence)
        if output is Format.JSON:
            print_json(decision.to_json() | ({"articles_translated": notes} if notes else {}))
        else:
            _print_decision(decision)
            for note in notes:
                console.print(f"[dim]{escape(note)}[/dim]")
        return
    rows: list[dict[str, Any]] = []
    unusable = 0
    with Progress(console=err_console, transient=True, disable=not err_console.is_terminal) as bar:
        task = bar.add_task("screening", total=len(files))
        for file in files:
            try:
                screened, notes, evidence = load(file)
                decision = screener.screen(screened, when, requester=evidence)
                rows.append(
                    {
                        "file": file.name,
                        "measure": screened.measure.value,
                        "decision": decision.to_json(),
                    }
                    | ({"articles_translated": notes} if notes else {})
                )
            except RogatoryError as exc:
                unusable += 1
                report(exc)
                rows.append(
                    {
                        "file": file.name,
                        "errors": [{"code": p.code, "message": p.render()} for p in exc.problems],
                    }
                )
            bar.advance(task)
    if output is Format.JSON:
        print_json(rows)
    else:
        name = catalogue.get(treaty).manifest.short_title
        table = Table(title=f"{len(files)} requests screened under {name}")
        for col in ("File", "Outcome", "Measure", "Flags", "Unverified"):
            table.add_column(col, overflow="fold")
        counts: dict[str, int] = {}
        for row in rows:
            if "errors" in row:
                table.add_row(row["file"], "[red]unusable[/red]", "", "", "")
                counts["unusable"] = counts.get("unusable", 0) + 1
                continue
            d = row["decision"]
            counts[d["outcome"]] = counts.get(d["outcome"], 0) + 1
            flags = sorted({fl for f in d["findings"] for fl in f["flags"]})
            measure = row["measure"]
            style = OUTCOME_STYLE[Outcome(d["outcome"])]
            table.add_row(
                row["file"],
                f"[{style}]{d['outcome']}[/{style}]",
                measure,
                ", ".join(flags),
                str(len(d["unverified_provisions"])),
            )
        console.print(table)
        console.print(", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    if unusable:
        raise typer.Exit(EXIT_INPUT)


def _load(
    file: Path,
    treaty: str,
    numbering: str,
    key: Ed25519PublicKey | None,
    known: Registry | None,
) -> tuple[Request, list[str], RequesterEvidence]:
    """A request file, plain or signed, its offence articles carried from ``numbering`` into
    ``treaty``'s (with what each became), and what its signature and sender's domain show
    against the key or registry given (the same assessment intake makes)."""
    from rogatory.authorities import signed
    from rogatory.authorities.assess import assess
    from rogatory.safeguards import request
    from rogatory.treaty import translation

    data = request.read(file)
    envelope = signed.open_envelope(data) if signed.is_signed(data) else None
    document, notes = translation.document_for(
        envelope.request if envelope else data, numbering, treaty
    )
    parsed = request.parse(document, file=str(file), treaty=treaty)
    return parsed, notes, assess(parsed, envelope, registry=known, public_key=key)


@handles_errors
def explain(
    rule_id: Annotated[str, typer.Argument(help="A rule id, e.g. refusal.persecution.")],
    as_json: JsonFlag = False,
) -> None:
    """A rule in plain words: what it says, what it cites, how sure we are, what tests it."""
    from rogatory.safeguards import engine, scenarios
    from rogatory.safeguards.engine import registry

    rules = registry()
    rule = rules.get(rule_id)
    bundle = catalogue.get()
    cites = [bundle.citation(*_split(p)) for p in bundle.screening.get(rule.id, ())]
    tests = scenarios.scenarios_testing(bundle, rule_id)
    data = {
        "id": rule.id,
        "statement": engine.statement(rule, bundle),
        "kind": rule.kind.value,
        "discretion": rule.discretion.value,
        "overrides": rule.overrides,
        "on_fail": rule.on_fail.value,
        "cites": [
            c.brief() | {"label": c.label, "provision_id": c.provision_id, "note": c.note}
            for c in cites
        ],
        "verified": all(c.verified for c in cites),
        "verification": Level.weakest(c.verification for c in cites).value,
        "scenarios": [s.id for s in tests],
    }
    if as_json:
        print_json(data)
        return
    console.print(
        f"[bold]{rule.id}[/bold]  ({rule.kind.value}, {rule.discretion.value}"
        + (f", overrides {rule.overrides}" if rule.overrides else "")
        + ")"
    )
    console.print(data["statement"], markup=False)
    console.print(f"A failure means: {rule.on_fail.value}")
    for c in cites:
        console.print(
            f"  {c.label} {verified_mark(c.verification)} source {escape(c.source)}"
            + (f", model {escape(c.model)}" if c.model else "")
            + (f" - {escape(c.note)}" if c.note else "")
        )
    console.print(f"Tested by {len(tests)} scenario{'s' if len(tests) != 1 else ''}:")
    for s in tests:
        console.print(f"  {escape(s.id)}")


def _split(provision_id: str) -> tuple[int, str | None]:
    _, article, paragraph = parse_provision_id(provision_id)
    return article, paragraph


schema_app = typer.Typer(help="Published document schemas.", no_args_is_help=True)


@schema_app.command("request")
@handles_errors
def request_schema() -> None:
    """The JSON Schema of the request document."""
    from rogatory.safeguards import request

    print_json(request.schema())
