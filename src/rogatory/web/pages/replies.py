"""The case page's forms for replies and the case file: draft a reply from the decision,
edit it, approve it as the second person, send it, record its delivery, download it; issue
the case file (its SHA-256 recorded in the audit chain) and download it.

Each reply action runs like every case-page action (``cases._act``): in a savepoint, with the
session's CSRF token; a refusal (a stale draft, four eyes) brings the page back with the
reason beside the replies panel.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from rogatory.api.deps import Db, RowId, Svc
from rogatory.api.problems import status_for
from rogatory.casefile import issue
from rogatory.casefile.render import format_of
from rogatory.errors import RogatoryError
from rogatory.replies import service as replies
from rogatory.web.auth import Posted, Poster, Viewer, actor
from rogatory.web.pages.cases import _act, _fields, _messages, _read_page

router = APIRouter(include_in_schema=False)
PANEL = "replies"


@router.post("/cases/{case_id}/replies")
def draft(request: Request, case_id: str, who: Poster, form: Posted, db: Db, svc: Svc) -> Response:
    f = _fields(form)
    return _act(
        request,
        db,
        svc,
        who,
        case_id,
        PANEL,
        lambda: replies.draft(
            db, actor(who), case_id, f.get("kind", ""), svc.templates, language=f.get("language")
        ),
    )


@router.post("/cases/{case_id}/replies/{reply_id}/edit")
def edit(
    request: Request, case_id: str, reply_id: RowId, who: Poster, form: Posted, db: Db, svc: Svc
) -> Response:
    f = _fields(form)
    return _act(
        request,
        db,
        svc,
        who,
        case_id,
        PANEL,
        lambda: replies.edit(db, actor(who), case_id, reply_id, f.get("text", "")),
    )


@router.post("/cases/{case_id}/replies/{reply_id}/{step}")
def step(
    request: Request,
    case_id: str,
    reply_id: RowId,
    step: str,
    who: Poster,
    form: Posted,
    db: Db,
    svc: Svc,
) -> Response:
    """Approve, send, discard, or record the delivery of a reply."""
    f = _fields(form)
    me = actor(who)
    steps = {
        "approve": lambda: replies.approve(db, me, case_id, reply_id),
        "send": lambda: replies.send(db, me, case_id, reply_id),
        "discard": lambda: replies.discard(db, me, case_id, reply_id),
        "delivered": lambda: replies.mark_delivered(db, me, case_id, reply_id, f.get("via", "")),
    }
    if step not in steps:
        raise RogatoryError("http.not_found", f"no reply action {step!r}")
    return _act(request, db, svc, who, case_id, PANEL, steps[step])


@router.get("/cases/{case_id}/replies/{reply_id}/letter.txt")
def letter(case_id: str, reply_id: RowId, who: Viewer, db: Db) -> Response:
    """The letter as it stands (as sent, once sent), to download and deliver."""
    _, row = replies.get(db, actor(who), case_id, reply_id)
    name = f"reply-{row.id}-{row.kind}-{row.language}.txt"
    return Response(
        row.text.encode("utf-8"),
        media_type="text/plain; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-SHA256": replies.sha256(row.text),
        },
    )


@router.post("/cases/{case_id}/case-file")
async def case_file(
    request: Request, case_id: str, who: Poster, form: Posted, svc: Svc
) -> Response:
    """Issue the case file in the format asked for and download it. It is made from a read
    (a PDF takes a moment) and recorded in a short write of its own, off the event loop."""
    me = actor(who)
    try:
        fmt = format_of(str(form.get("format") or "html"))
        issued = await run_in_threadpool(
            issue.issue, svc.readers, svc.sessions, me, case_id, fmt, svc.templates
        )
    except RogatoryError as exc:
        if exc.code == "case.not_found":
            raise
        errors = {"case-file": _messages(exc)}
        return await run_in_threadpool(
            _read_page, request, svc, who, case_id, status_for(exc.code), errors
        )
    return Response(
        issued.content,
        media_type=issued.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{issued.filename}"',
            "X-Content-SHA256": issued.sha256,
        },
    )
