"""Client request bodies under a read timeout.

A client that starts a body and then stops sending must not keep a worker, a spool file or
anything else for as long as it likes. Each wait for the next part of a request body is
bounded by ``seconds``; past it the request is answered 408 (problem+json under /api, a page
elsewhere) and the connection is closed. Once the whole body has arrived, waits are not bounded
(a streaming response listens for the client going away for as long as it streams).
"""

from __future__ import annotations

import asyncio

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTimeout:
    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        complete = False

        async def timed() -> Message:
            nonlocal complete
            if complete:
                return await receive()
            try:
                async with asyncio.timeout(self.seconds):
                    message = await receive()
            except TimeoutError:
                raise HTTPException(
                    408,
                    f"the request body stopped arriving: nothing came for {self.seconds:g} "
                    "seconds, so the request was cut off and nothing was stored",
                ) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                complete = True
            return message

        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, timed, sending)
        except HTTPException as exc:
            # Raised where no exception handler runs (a middleware reading the body, such as
            # the input guard): answer it here, once, if nothing was sent yet.
            if exc.status_code != 408 or started:
                raise
            from rogatory.api import problems

            response = problems.problem(408, "request.body_timeout", str(exc.detail))
            await response(scope, timed, send)
