"""The report pages: the organisation's transparency report for a period (charts drawn on the
server, CSV and JSON downloads, the published versions), publishing by an admin, and the
public pages of published reports, served without sign-in."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from markupsafe import Markup

from rogatory.api.deps import Db, ReadDb, Svc
from rogatory.errors import RogatoryError
from rogatory.reports import period, publishing, render, snapshot, transparency
from rogatory.reports.models import PublishedReport
from rogatory.requests import permissions
from rogatory.requests.permissions import Action
from rogatory.web import chart, templating
from rogatory.web.auth import Posted, Poster, Viewer, actor

router = APIRouter(include_in_schema=False)
Text = Annotated[str | None, Query(max_length=20)]


def _k(value: str | None) -> int:
    if not value:
        return transparency.DEFAULT_K
    if not value.isdigit() or int(value) < 3 or int(value) > 1000:
        raise RogatoryError("report.invalid_k", "field k: a whole number from 3 to 1000")
    return int(value)


def _charts(report: dict[str, Any]) -> dict[str, Markup]:
    """Requests per requesting State and outcomes in total, from the published cells only."""
    by_state: dict[str, list[int]] = {}
    for row in report["rows"]:
        b = chart.bar_of(row["requesting_state"], row["requests"])
        lo_hi = by_state.setdefault(b.label, [0, 0])
        lo_hi[0] += b.lo
        lo_hi[1] += b.hi
    states = [chart.Bar(s, lo, hi) for s, (lo, hi) in sorted(by_state.items())]
    outcomes = [chart.bar_of(o, report["totals"]["outcomes"][o]) for o in report["outcomes"]]
    return {
        # built from labels and numbers the chart escapes itself
        "states": Markup(
            chart.bars(states, title="Requests by requesting State", chart_id="by-state")
        ),
        "outcomes": Markup(
            chart.bars(outcomes, title="Outcomes, all requests", chart_id="by-outcome")
        ),
    }


def _report(
    svc: Svc, db: Db, org: str, p: str | None, f: str | None, t: str | None, k: str | None
) -> dict[str, Any]:
    chosen = period.parse(p or None, f or None, t or None)  # an empty field is not given
    return transparency.report(svc.reports, db, org, chosen, k=_k(k))


@router.get("/reports")
def reports_page(
    request: Request,
    who: Viewer,
    svc: Svc,
    db: ReadDb,
    period_: Annotated[str | None, Query(alias="period", max_length=20)] = None,
    start: Annotated[str | None, Query(alias="from", max_length=20)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=20)] = None,
    k: Text = None,
) -> Response:
    permissions.require(who.principal.roles, Action.VIEW_REPORTS, code="auth.forbidden")
    org = who.principal.org
    report = _report(svc, db, org, period_, start, end, k)
    query = "&".join(
        f"{n}={v}" for n, v in (("period", period_), ("from", start), ("to", end), ("k", k)) if v
    )
    return templating.render(
        request,
        "reports.html",
        report=report,
        head=render.header(report),
        lines=list(render.table(report))[1:],
        charts=_charts(report),
        query=query,
        published=publishing.listed(db, org),
        may_publish=permissions.allows(who.principal.roles, Action.PUBLISH_REPORTS),
        path_of=publishing.public_path,
    )


@router.get("/reports/transparency.csv")
def report_csv(
    who: Viewer,
    svc: Svc,
    db: ReadDb,
    period_: Annotated[str | None, Query(alias="period", max_length=20)] = None,
    start: Annotated[str | None, Query(alias="from", max_length=20)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=20)] = None,
    k: Text = None,
) -> Response:
    permissions.require(who.principal.roles, Action.VIEW_REPORTS, code="auth.forbidden")
    report = _report(svc, db, who.principal.org, period_, start, end, k)
    name = f"transparency-{report['organisation']}-{report['period']['label']}.csv"
    return Response(
        render.to_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/reports/transparency.json")
def report_json(
    who: Viewer,
    svc: Svc,
    db: ReadDb,
    period_: Annotated[str | None, Query(alias="period", max_length=20)] = None,
    start: Annotated[str | None, Query(alias="from", max_length=20)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=20)] = None,
    k: Text = None,
) -> Response:
    permissions.require(who.principal.roles, Action.VIEW_REPORTS, code="auth.forbidden")
    report = _report(svc, db, who.principal.org, period_, start, end, k)
    return Response(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n",
        media_type="application/json",
    )


@router.post("/reports/publish")
def publish(who: Poster, form: Posted, svc: Svc, db: Db) -> Response:
    """Publish the period's report (admins); answers with its public page."""
    chosen = period.parse(str(form.get("period") or "") or None, None, None)
    k = _k(str(form.get("k") or "") or None)
    row = publishing.publish(db, actor(who), svc.reports, chosen, k=k)
    return RedirectResponse(publishing.public_path(row.org_id, row.id), status_code=303)


@router.get("/public/reports/{org}")
def public_list(request: Request, org: str, db: ReadDb) -> Response:
    rows = publishing.listed(db, org) if len(org) <= 64 else []
    if not rows:
        raise RogatoryError("report.not_found", f"no published report of {org!r}")
    return templating.render(
        request, "public_reports.html", org=org, published=rows, path_of=publishing.public_path
    )


def _published(db: ReadDb, org: str, report_id: str) -> PublishedReport:
    if len(org) > 64:
        raise RogatoryError("report.not_found", "no such published report")
    return publishing.get(db, org, report_id)


@router.get("/public/reports/{org}/{report_id}.json")
def public_json(org: str, report_id: str, db: ReadDb) -> Response:
    row = _published(db, org, report_id)
    return Response(
        json.dumps(row.snapshot, indent=2, ensure_ascii=False) + "\n",
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="report-{row.id}.json"'},
    )


@router.get("/public/reports/{org}/{report_id}")
def public_page(request: Request, org: str, report_id: str, db: ReadDb) -> Response:
    row = _published(db, org, report_id)
    document = snapshot.parse(row.snapshot, file=row.id)
    report = document.report
    newer = publishing.superseded_by(db, row)
    return templating.render(
        request,
        "public_report.html",
        row=row,
        document=document,
        report=report,
        head=render.header(report),
        lines=list(render.table(report))[1:],
        charts=_charts(report),
        verified=snapshot.verify(document).ok,
        newer=newer,
        path_of=publishing.public_path,
    )
