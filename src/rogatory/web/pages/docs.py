"""``/docs``: the API's interactive reference (Swagger UI), served from the package.

FastAPI's own page loads Swagger UI from a CDN and starts it with an inline script; under the
site's Content-Security-Policy (``default-src 'self'``) that page stays blank, and it would
tell a third party who reads the documentation. This one uses the copy of swagger-ui-dist in
``static/swagger-ui`` (see its README for the version and licence) and ``static/docs.js``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from rogatory.web import templating

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def docs(request: Request) -> Response:
    return templating.render(request, "docs.html", openapi_url=request.app.openapi_url)
