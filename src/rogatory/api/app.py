"""The ASGI application: routers, problem handlers, and the services they call."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from rogatory import __version__
from rogatory.api import evidence, guard, openapi, problems
from rogatory.api.body import BodyTimeout
from rogatory.api.deps import Services


def create_app(services: Services, *, streamed: Sequence[tuple[str, str]] = ()) -> FastAPI:
    """The API; ``streamed`` names the other routes (method, path) whose bodies stream under
    their own limit, past the body limit every other request has."""
    app = FastAPI(
        title="rogatory",
        version=__version__,
        description="Cases under the UN Convention against Cybercrime: intake with "
        "screening, review, four-eyes approval and a tamper-evident record.",
        # FastAPI's pages load Swagger UI and ReDoc from a CDN; the web application serves
        # /docs from the package instead (rogatory.web.pages.docs).
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = services
    problems.install(app)
    openapi.install(app)
    app.add_middleware(
        guard.Guard,
        max_body_bytes=services.max_body_bytes,
        streamed=(*evidence.STREAMED, *streamed),
    )
    # Outermost: every read of a client's body, the guard's included, is timed.
    app.add_middleware(BodyTimeout, seconds=services.body_timeout)
    return app
