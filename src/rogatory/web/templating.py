"""Rendering pages: one Jinja2 environment, autoescaped, failing loudly on a missing value."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from rogatory.requests.permissions import Action, own_requests_only, roles_for
from rogatory.requests.transitions import Role

HERE = Path(__file__).parent
STATIC = HERE / "static"

env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html", "svg"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _when(value: datetime | date | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def _words(value: str) -> str:
    return value.replace("_", " ")


env.filters["when"] = _when
env.filters["words"] = _words


NAV = (
    ("/queue", "Queue", None),
    ("/intake", "New request", roles_for(Action.TAKE_IN)),
    ("/treaty", "Treaty", None),
    ("/states", "States", None),
    ("/basis", "Legal bases", None),
    ("/reports", "Reports", roles_for(Action.VIEW_REPORTS)),
    ("/compliance", "Compliance", roles_for(Action.READ_COMPLIANCE)),
    ("/audit", "Audit", roles_for(Action.READ_AUDIT)),
    ("/people", "People", roles_for(Action.MANAGE_PEOPLE)),
    ("/authorities", "Authorities", roles_for(Action.READ_AUTHORITIES)),
    ("/requesters", "Requesters", roles_for(Action.APPROVE_REQUESTERS)),
)


REQUESTER_NAV = (("/my", "My requests"), ("/intake", "New request"))


def nav_for(roles: frozenset[Role]) -> list[tuple[str, str]]:
    """The navigation a person sees: only the screens their roles can use. A requesting
    authority's account sees its own requests and the intake, nothing of the provider's."""
    if own_requests_only(roles):
        return list(REQUESTER_NAV)
    return [(href, label) for href, label, needed in NAV if needed is None or needed & roles]


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    who = getattr(request.state, "signed_in", None)
    base = {
        "request": request,
        "who": who,
        "csrf": who.csrf_token if who else "",
        "nav": nav_for(who.principal.roles) if who else [],
        "path": request.url.path,
    }
    html = env.get_template(name).render(**base, **context)
    return HTMLResponse(html, status_code=status)
