"""The ASGI application: routers, problem handlers, and the services they call."""

from __future__ import annotations

from fastapi import FastAPI

from rogatory import __version__
from rogatory.api import audit, cases, evidence, people, problems
from rogatory.api.body import BodyTimeout
from rogatory.api.deps import Services


def create_app(services: Services) -> FastAPI:
    app = FastAPI(
        title="rogatory",
        version=__version__,
        description="Cases under the UN Convention against Cybercrime: intake with "
        "screening, review, four-eyes approval and a tamper-evident record.",
    )
    app.state.services = services
    problems.install(app)
    app.add_middleware(BodyTimeout, seconds=services.body_timeout)
    app.include_router(cases.router)
    app.include_router(cases.queue)
    app.include_router(audit.router)
    app.include_router(evidence.router)
    app.include_router(people.router)
    return app
