"""``rogatory treaty``: show, list and search a treaty's provisions and constants, and the
crosswalk between two treaties. ``--treaty`` picks the bundle (``--bundle`` is the older name)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from rogatory.cli.common import (
    JsonFlag,
    OnOption,
    TreatyOption,
    console,
    handles_errors,
    parse_on,
    print_json,
    verified_mark,
)
from rogatory.errors import RogatoryError
from rogatory.law.bundle import Bundle
from rogatory.law.citation import ProvisionId
from rogatory.law.provisions import Article, Paragraph
from rogatory.treaty import catalogue, lookup
from rogatory.treaty import crosswalk as crosswalks
from rogatory.treaty import measures as measures_table

app = typer.Typer(
    help="Read a treaty: articles, paragraphs, constants, crosswalks.", no_args_is_help=True
)


def _source(bundle: Bundle, key: str) -> dict[str, Any]:
    src = bundle.manifest.sources[key]
    return {"id": key, "title": src.title, "url": src.url, "reliability": src.reliability.value}


def paragraph_json(bundle: Bundle, article: Article, path: str, para: Paragraph) -> dict[str, Any]:
    return {
        "number": f"{article.number}.{path}",
        "article": article.number,
        "paragraph": path,
        "provision_id": str(ProvisionId(bundle.id, article.number, path)),
        "heading": para.heading,
        "text": para.text,
        "text_kind": para.text_kind.value,
        "conditions": para.conditions,
        "verified": para.cite.verified,
        "verification": para.cite.verification.value,
        "model": para.cite.model,
        "source": _source(bundle, para.cite.source),
        "note": para.cite.note,
        "items": [paragraph_json(bundle, article, f"{path}.{p.id}", p) for p in para.items],
    }


def divisions_json(bundle: Bundle, article: Article) -> list[dict[str, str]]:
    chapter = bundle.chapter(article.chapter)
    divisions = chapter.divisions_of(article.number) if chapter else []
    return [{"kind": d.kind, "number": d.number, "title": d.title} for d in divisions]


def article_json(bundle: Bundle, article: Article, *, full: bool = True) -> dict[str, Any]:
    chapter = bundle.chapter(article.chapter)
    out: dict[str, Any] = {
        "number": article.number,
        "provision_id": str(ProvisionId(bundle.id, article.number)),
        "title": article.title,
        "chapter": article.chapter,
        "chapter_title": chapter.title if chapter else None,
        "divisions": divisions_json(bundle, article),
        "verified": article.cite.verified,
        "verification": article.cite.verification.value,
        "source": _source(bundle, article.cite.source),
    }
    if full:
        summary = article.summary_attestation
        out |= {
            "note": article.cite.note,
            "text": article.text,
            "text_kind": article.text_kind.value if article.text_kind else None,
            "summary": article.summary,
            "summary_verification": summary.verification.value,
            "summary_verified": summary.verified,
            "summary_source": _source(bundle, summary.source),
            "summary_model": summary.model,
            "summary_note": summary.note if article.summary_cite else None,
            "conditions": article.conditions,
            "parts": [
                {
                    "text": part.text,
                    "verified": part.cite.verified,
                    "verification": part.cite.verification.value,
                    "source": _source(bundle, part.cite.source),
                    "model": part.cite.model,
                    "note": part.cite.note,
                }
                for part in article.parts
            ],
            "paragraphs": [paragraph_json(bundle, article, p.id, p) for p in article.paragraphs],
        }
    return out


def _print_paragraph(data: dict[str, Any], indent: int = 0) -> None:
    pad = "  " * indent
    heading = f" [bold]{escape(data['heading'])}[/bold]" if data["heading"] else ""
    console.print(
        f"{pad}({data['paragraph'].split('.')[-1]}){heading} {escape(data['text'])}", markup=True
    )
    console.print(
        f"{pad}    {verified_mark(data['verification'])} {data['text_kind']}, source "
        f"{data['source']['id']}" + (f" - {data['note']}" if data["note"] else "")
    )
    for cond in data["conditions"]:
        console.print(f"{pad}    - {cond}")
    for item in data["items"]:
        _print_paragraph(item, indent + 1)


@app.command("show")
@handles_errors
def show(
    reference: Annotated[str, typer.Argument(help="Article or paragraph: 42, 40.22, 2(h), 11.1.a")],
    bundle_id: TreatyOption = catalogue.DEFAULT,
    as_json: JsonFlag = False,
) -> None:
    """Show an article or a paragraph with its chapter, text and verification status."""
    bundle = catalogue.get(bundle_id)
    article, para, ref = lookup.resolve(bundle, reference)
    if para is not None and ref.paragraph_id is not None:
        data = paragraph_json(bundle, article, ref.paragraph_id, para)
        brief = article_json(bundle, article, full=False)
        data |= {k: brief[k] for k in ("title", "chapter", "chapter_title")}
        if as_json:
            print_json(data)
            return
        console.print(
            f"[bold]{bundle.instrument} Art. {article.number}({ref.paragraph_id})[/bold] "
            f"- {article.title} (Chapter {article.chapter})"
        )
        _print_paragraph(data)
        return
    data = article_json(bundle, article)
    if as_json:
        print_json(data)
        return
    console.print(
        f"[bold]{bundle.instrument} Article {article.number}. {escape(article.title)}[/bold]"
    )
    console.print(f"Chapter {data['chapter']}: {data['chapter_title']}", markup=False)
    for d in data["divisions"]:
        console.print(f"{d['kind'].capitalize()} {d['number']}: {d['title']}", markup=False)
    console.print(
        f"{verified_mark(article.cite.verification)} number and title, source "
        f"{article.cite.source} ({data['source']['title']})"
    )
    if article.cite.note:
        console.print(f"  note: {article.cite.note}", markup=False)
    if article.summary or article.conditions:
        summary = article.summary_attestation
        model = f", model {summary.model}" if summary.model else ""
        console.print(
            f"{verified_mark(summary.verification)} summary, source {summary.source}{model}"
        )
        if article.summary_cite is not None and summary.note:
            console.print(f"  note: {summary.note}", markup=False)
    if article.summary:
        console.print(article.summary, markup=False)
    for cond in article.conditions:
        console.print(f"  - {cond}", markup=False)
    for part in article.parts:
        model = f", model {part.cite.model}" if part.cite.model else ""
        console.print(
            f"{verified_mark(part.cite.verification)} part, source {part.cite.source}{model}"
        )
        if part.cite.note:
            console.print(f"  note: {part.cite.note}", markup=False)
        console.print(part.text, markup=False)
    if article.text is not None:
        console.print(article.text, markup=False)
    for p in data["paragraphs"]:
        _print_paragraph(p)


@app.command("list")
@handles_errors
def list_articles(
    chapter: Annotated[
        str | None, typer.Option("--chapter", help="Only this chapter (I-IX for uncc).")
    ] = None,
    bundle_id: TreatyOption = catalogue.DEFAULT,
    as_json: JsonFlag = False,
) -> None:
    """List the articles, optionally of one chapter."""
    bundle = catalogue.get(bundle_id)
    if chapter is not None and bundle.chapter(chapter.upper()) is None:
        raise RogatoryError(
            "treaty.unknown_chapter",
            f"--chapter: {bundle.instrument} has no chapter {chapter!r}",
            help="chapters: " + ", ".join(c.number for c in bundle.chapters),
        )
    articles = [a for a in bundle.articles if chapter is None or a.chapter == chapter.upper()]
    if as_json:
        print_json({"articles": [article_json(bundle, a, full=False) for a in articles]})
        return
    table = Table(title=f"{bundle.manifest.short_title}")
    divided = any(c.divisions for c in bundle.chapters)
    for col in ("Art.", "Title", "Chapter", *(["Section/Title"] if divided else []), "Status"):
        table.add_column(col)
    for a in articles:
        chap = bundle.chapter(a.chapter)
        place = " / ".join(d.number for d in chap.divisions_of(a.number)) if chap else ""
        table.add_row(
            str(a.number),
            escape(a.title),
            a.chapter,
            *([place] if divided else []),
            verified_mark(a.cite.verification),
        )
    console.print(table)
    unverified = sum(not a.cite.verified for a in articles)
    console.print(f"{len(articles)} articles; {unverified} with number or title UNVERIFIED")


@app.command("search")
@handles_errors
def search(
    text: Annotated[str, typer.Argument(help="Words to look for (case-insensitive).")],
    bundle_id: TreatyOption = catalogue.DEFAULT,
    as_json: JsonFlag = False,
) -> None:
    """Find the provisions whose title, text or conditions contain TEXT."""
    bundle = catalogue.get(bundle_id)
    hits = lookup.search(bundle, text)
    rows = [
        {
            "article": h.article.number,
            "paragraph": h.paragraph,
            "title": h.article.title,
            "field": h.field,
            "excerpt": h.excerpt,
            "verified": h.level.verified,
            "verification": h.level.value,
        }
        for h in hits
    ]
    if as_json:
        print_json({"query": text, "results": rows})
        return
    for h in hits:
        ref = f"{h.article.number}({h.paragraph})" if h.paragraph else str(h.article.number)
        console.print(
            f"[bold]Art. {ref}[/bold] {escape(h.article.title)} \\[{h.field}] "
            f"{verified_mark(h.level)}"
        )
        console.print(f"    {h.excerpt}", markup=False)
    console.print(f"{len(rows)} match{'es' if len(rows) != 1 else ''} for {text!r}", markup=False)


@app.command("measures")
@handles_errors
def measures(
    on: OnOption = None, bundle_id: TreatyOption = catalogue.DEFAULT, as_json: JsonFlag = False
) -> None:
    """The measures table: each measure's articles, kind, grounds, required items and
    deadlines, with the values in force on a date."""
    bundle = catalogue.get(bundle_id)
    when = parse_on(on)
    found = measures_table.rows(bundle, when)
    if not found:
        raise RogatoryError(
            "input.invalid", f"--treaty {bundle_id}: this treaty has no measures table"
        )
    if as_json:
        print_json(
            {"as_of": when.isoformat(), "bundle_revision": bundle.revision, "measures": found}
        )
        return
    table = Table(title=f"Measures of {bundle.instrument} as of {when}")
    for col in ("Measure", "Articles", "Grounds", "Deadlines"):
        table.add_column(col, overflow="fold")
    for m in found:
        kind = m["kind"] + (f", a step of {m['step_of']}" if m["step_of"] else "")
        intrusive = " intrusive" if m["intrusive"] else ""
        if m["intrusive_categories"]:
            intrusive += f" ({', '.join(m['intrusive_categories'])} data intrusive)"
        grounds = ("only: " if m["grounds_closed"] else "") + ", ".join(
            g.removeprefix("refusal.") for g in m["grounds"]
        )
        cite = m["grounds_cite"]
        grounds += f"\n[dim]{escape(cite['label'])}[/dim] {verified_mark(cite['verification'])}"
        lines = []
        for d in m["deadlines"]:
            c = d["cite"]
            where = f"{escape(c['label'])}" + (
                f", model {escape(c['model'])}" if c.get("model") else ""
            )
            v = d["value"]
            v = {True: "yes", False: "no"}.get(v, v) if isinstance(v, bool) else v
            value = f"{v} {d['unit'] or ''}".strip() if v is not None else ""
            if not d["known"]:
                value = f"({d['reason']})"
            head = f"{d['kind']}: {value} " if value else f"{d['kind']}: "
            lines.append(
                f"{escape(head)}[italic]{escape(d['words'] or '')}[/italic] "
                f"[dim]({where})[/dim] {verified_mark(c['verification'])}"
            )
        table.add_row(
            f"[bold]{m['measure']}[/bold]\n{escape(m['title'])}\n[dim]{kind}{intrusive}[/dim]",
            ", ".join(f"Art {a}" for a in m["articles"])
            + f"\n[dim]{len(m['required'])} required items[/dim]",
            grounds,
            "\n".join(lines) or "[dim]none set by the treaty[/dim]",
        )
    console.print(table)
    console.print(
        "[dim]A case's response dates are the service's policy (no treaty fixes them); "
        "these are the treaty's own limits.[/dim]"
    )


@app.command("constants")
@handles_errors
def constants(
    on: OnOption = None, bundle_id: TreatyOption = catalogue.DEFAULT, as_json: JsonFlag = False
) -> None:
    """The dated constants in effect on a date, each with its citation."""
    bundle = catalogue.get(bundle_id)
    when = parse_on(on)
    rows: list[dict[str, Any]] = []
    for name, dated in bundle.constants.items():
        res = dated.at(name, when)
        rows.append(
            {
                "name": name,
                "kind": "constant",
                "description": dated.description,
                "unit": dated.unit,
                "known": res.known,
                "value": res.value,
                "reason": res.reason.value if res.reason else None,
                "cite": res.cite.brief() | {"label": res.cite.label} if res.cite else None,
            }
        )
    in_effect = when >= bundle.manifest.adopted.on
    for fcv in bundle.final_clause_values():
        rows.append(
            {
                "name": fcv.name,
                "kind": "final_clause",
                "description": fcv.description,
                "unit": fcv.unit,
                "known": in_effect,
                "value": fcv.value if in_effect else None,
                "reason": None if in_effect else "not_yet_effective",
                "cite": fcv.cite.brief() | {"label": fcv.cite.label},
            }
        )
    if as_json:
        print_json(
            {"as_of": when.isoformat(), "bundle_revision": bundle.revision, "constants": rows}
        )
        return
    table = Table(title=f"Constants of {bundle.instrument} as of {when}")
    for col in ("Name", "Value", "Cited", "Status"):
        table.add_column(col, overflow="fold")
    for r in rows:
        value = f"{r['value']} {r['unit'] or ''}".strip() if r["known"] else f"({r['reason']})"
        cite = r["cite"]
        table.add_row(
            r["name"],
            value,
            cite["label"] if cite else "-",
            verified_mark(cite["verification"]) if cite else "-",
        )
    console.print(table)


def crosswalk_json(first: str, second: str, rows: list[crosswalks.Row]) -> dict[str, Any]:
    return {
        "treaty": first,
        "other": second,
        "pairs": [
            {
                "articles": r.this,
                "other_articles": r.other,
                "relation": r.relation,
                "level": r.level.value,
                "verified": r.level.verified,
                "this_level": r.this_level.value,
                "other_level": r.other_level.value,
                "note": r.note,
            }
            for r in rows
        ],
    }


@app.command("crosswalk")
@handles_errors
def crosswalk(
    first: Annotated[str, typer.Argument(help="A treaty bundle id, e.g. uncc.")],
    second: Annotated[str, typer.Argument(help="Another treaty bundle id, e.g. budapest.")],
    article: Annotated[
        int | None, typer.Option("--article", help="Only the pairs naming this article of FIRST.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """The two treaties article by article: the same, similar, or only in one, with levels."""
    a, b = catalogue.get(first), catalogue.get(second)
    rows = crosswalks.rows(a.id, b.id, article)
    if article is not None and a.article(article) is None:
        raise RogatoryError(
            "treaty.unknown_article",
            f"--article: {a.instrument} has no Article {article}",
            help=f"articles run from 1 to {a.manifest.articles_expected}",
        )
    if as_json:
        print_json(crosswalk_json(a.id, b.id, rows))
        return
    console.print(f"[bold]{a.manifest.short_title} and {b.manifest.short_title}[/bold]")
    for r in rows:
        mine = ", ".join(map(str, r.this)) or "-"
        theirs = ", ".join(map(str, r.other)) or "-"
        relation = r.relation.replace("_left", f" {a.id}").replace("_right", f" {b.id}")
        console.print(
            f"{a.instrument} {mine:<6} {b.instrument} {theirs:<12} {relation:<14} "
            f"{verified_mark(r.level)}"
        )
        console.print(f"    {r.note}", markup=False)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.relation] = counts.get(r.relation, 0) + 1
    console.print(", ".join(f"{n} {k}" for k, n in sorted(counts.items())), markup=False)
