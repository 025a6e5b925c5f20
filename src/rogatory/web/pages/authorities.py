"""The Authorities page: the registry of the authorities that may send requests, by State,
with their official domains, call-back numbers and keys. An admin adds authorities and
revokes keys here (every change audited); the people who work cases read it, to check a
sender or find the number to call back on. A refused change answers with the page and the
reason, nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from rogatory.accounts import registry as admin
from rogatory.accounts.sessions import SignedIn
from rogatory.api.deps import Db
from rogatory.api.problems import status_for
from rogatory.authorities import store
from rogatory.authorities.registry import parse_record
from rogatory.errors import RogatoryError
from rogatory.requests import permissions
from rogatory.requests.permissions import Action
from rogatory.safeguards.request import Role
from rogatory.web import templating
from rogatory.web.auth import Posted, Poster, Viewer, actor

router = APIRouter(include_in_schema=False)
KINDS = {
    Role.CENTRAL_AUTHORITY: "central authority (Art 40)",
    Role.CONTACT_POINT_24_7: "24/7 point of contact (Art 41)",
    Role.COMPETENT_AUTHORITY: "competent authority",
}


def _page(
    request: Request,
    db: Session,
    who: SignedIn,
    status: int = 200,
    errors: list[str] | None = None,
    values: dict[str, str] | None = None,
    state: str | None = None,
) -> Response:
    me = actor(who)
    everyone = admin.listed(db, me)
    return templating.render(
        request,
        "authorities.html",
        status,
        authorities=[a for a in everyone if state is None or a.state == state],
        registered_states=sorted({a.state for a in everyone}),
        state=state or "",
        may_manage=permissions.allows(me.roles, Action.MANAGE_AUTHORITIES),
        kinds=KINDS,
        now=datetime.now(UTC),
        errors=errors or [],
        values=values or {},
    )


@router.get("/authorities")
def authorities_page(
    request: Request,
    who: Viewer,
    db: Db,
    state: Annotated[str | None, Query(max_length=3)] = None,
) -> Response:
    """The registry, or one State's authorities (``?state=XAA``)."""
    return _page(request, db, who, state=(state or "").upper() or None)


def _change(
    request: Request,
    db: Session,
    who: SignedIn,
    change: Callable[[], object],
    values: dict[str, str] | None = None,
) -> Response:
    try:
        with db.begin_nested():
            change()
    except RogatoryError as exc:
        if exc.code == "authority.forbidden":
            raise
        return _page(
            request, db, who, status_for(exc.code), [p.render() for p in exc.problems], values
        )
    return RedirectResponse("/authorities", status_code=303)


def _lines(text: str) -> list[str]:
    return [v.strip() for v in text.replace(",", "\n").splitlines() if v.strip()]


@router.post("/authorities")
def add(request: Request, who: Poster, form: Posted, db: Db) -> Response:
    values = {k: v for k in form if isinstance(v := form.get(k), str) and k != "csrf_token"}
    kid, key = values.get("kid", "").strip(), values.get("public_key", "").strip()
    start = values.get("valid_from", "").strip()
    data: dict[str, Any] = {
        "id": store.new_id(values.get("state", "x")[:3] or "x"),
        "state": values.get("state", ""),
        "name": values.get("name", "").strip(),
        "kind": values.get("kind", ""),
        "domains": _lines(values.get("domains", "")),
        "phones": _lines(values.get("phones", "")),
        "keys": [{"kid": kid, "public_key": key, "valid_from": f"{start}T00:00:00+00:00"}]
        if kid or key
        else [],
        "valid_from": start,
        "verified_by": values.get("verified_by", "").strip(),
        "verified_how": values.get("verified_how", "").strip(),
    }

    def change() -> object:
        return admin.add(db, actor(who), parse_record(data, file="the form"))

    return _change(request, db, who, change, values)


@router.post("/authorities/keys/{kid}/revoke")
def revoke(request: Request, kid: str, who: Poster, form: Posted, db: Db) -> Response:
    reason = form.get("reason")
    text = reason if isinstance(reason, str) else ""
    return _change(request, db, who, lambda: admin.revoke_key(db, actor(who), kid, reason=text))
