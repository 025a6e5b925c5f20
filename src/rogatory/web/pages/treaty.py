"""The treaty browser: chapters, articles and paragraphs with their verification status, the
rules that cite each article, the crosswalk to the other treaties, and search. ``?treaty=``
picks the bundle (the screening's own treaty by default). Citation links on case pages land
here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from rogatory.api.deps import Svc
from rogatory.errors import RogatoryError
from rogatory.law.bundle import Bundle
from rogatory.law.citation import parse_provision_id
from rogatory.safeguards import engine
from rogatory.safeguards.context import REGISTRY
from rogatory.treaty import catalogue, lookup
from rogatory.treaty import crosswalk as crosswalks
from rogatory.web import templating
from rogatory.web.auth import Viewer

router = APIRouter(include_in_schema=False)
TreatyQuery = Annotated[str | None, Query(max_length=40)]


def citing(bundle_id: str, article: int) -> list[tuple[str, str, list[str]]]:
    """The registered rules citing ``article`` of ``bundle_id``: (rule id, statement, paragraphs
    cited). A rule citing another treaty's article of the same number is not listed."""
    out = []
    bundle = catalogue.get(bundle_id)
    for rule in REGISTRY.rules:
        paras = [
            p or "(whole article)"
            for i, a, p in (parse_provision_id(c) for c in bundle.screening.get(rule.id, ()))
            if i == bundle_id and a == article
        ]
        if paras:
            out.append((rule.id, engine.statement(rule, bundle), paras))
    return out


def _bundle(svc: Svc, treaty: str | None) -> Bundle:
    """The bundle the page shows: the one asked for, else the screening's own."""
    own = svc.screener.law.bundle
    if treaty is None or treaty == own.id:
        return own
    if treaty not in catalogue.bundle_ids():
        raise RogatoryError(
            "treaty.not_found",
            f"field treaty: no treaty {treaty!r}",
            help=f"treaties: {', '.join(catalogue.bundle_ids())}",
        )
    return catalogue.get(treaty)


def _treaties() -> list[tuple[str, str]]:
    return [(b, catalogue.get(b).manifest.short_title) for b in catalogue.bundle_ids()]


@router.get("/treaty")
def treaty_page(
    request: Request,
    who: Viewer,
    svc: Svc,
    q: Annotated[str | None, Query(max_length=200)] = None,
    treaty: TreatyQuery = None,
) -> Response:
    bundle = _bundle(svc, treaty)
    hits = lookup.search(bundle, q) if q and q.strip() else None
    chapters = [(c, [a for a in bundle.articles if c.holds(a.number)]) for c in bundle.chapters]
    return templating.render(
        request,
        "treaty.html",
        bundle=bundle,
        chapters=chapters,
        q=q or "",
        hits=hits,
        treaties=_treaties(),
        own=svc.screener.law.bundle.id,
    )


@router.get("/treaty/{number}")
def article_page(
    request: Request, number: int, who: Viewer, svc: Svc, treaty: TreatyQuery = None
) -> Response:
    bundle = _bundle(svc, treaty)
    article = bundle.article(number)
    if article is None:
        raise RogatoryError("case.not_found", f"no Article {number}")
    chapter = bundle.chapter(article.chapter)
    return templating.render(
        request,
        "article.html",
        bundle=bundle,
        article=article,
        divisions=chapter.divisions_of(number) if chapter else [],
        paragraphs=article.walk(),
        rules=citing(bundle.id, number),
        crosswalk=[
            (catalogue.get(other), row) for other, row in crosswalks.for_article(bundle.id, number)
        ],
        own=svc.screener.law.bundle.id,
        last=max(a.number for a in bundle.articles),
    )
