"""The treaty browser: chapters, articles and paragraphs with their verification status, the
rules that cite each article, and search. Citation links on case pages land here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from rogatory.api.deps import Svc
from rogatory.errors import RogatoryError
from rogatory.law.citation import parse_provision_id
from rogatory.safeguards import engine
from rogatory.safeguards.context import REGISTRY
from rogatory.treaty import catalogue, lookup
from rogatory.web import templating
from rogatory.web.auth import Viewer

router = APIRouter(include_in_schema=False)


def citing(article: int) -> list[tuple[str, str, list[str]]]:
    """The registered rules citing ``article``: (rule id, statement, paragraphs cited)."""
    out = []
    bundle = catalogue.get()
    for rule in REGISTRY.rules:
        paras = [
            p or "(whole article)"
            for _, a, p in (parse_provision_id(c) for c in bundle.screening.get(rule.id, ()))
            if a == article
        ]
        if paras:
            out.append((rule.id, engine.statement(rule, bundle), paras))
    return out


@router.get("/treaty")
def treaty_page(
    request: Request,
    who: Viewer,
    svc: Svc,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    bundle = svc.screener.law.bundle
    hits = lookup.search(bundle, q) if q and q.strip() else None
    chapters = [(c, [a for a in bundle.articles if c.holds(a.number)]) for c in bundle.chapters]
    return templating.render(
        request, "treaty.html", bundle=bundle, chapters=chapters, q=q or "", hits=hits
    )


@router.get("/treaty/{number}")
def article_page(request: Request, number: int, who: Viewer, svc: Svc) -> Response:
    bundle = svc.screener.law.bundle
    article = bundle.article(number)
    if article is None:
        raise RogatoryError("case.not_found", f"no Article {number}")
    return templating.render(
        request,
        "article.html",
        bundle=bundle,
        article=article,
        paragraphs=article.walk(),
        rules=citing(number),
    )
