"""What every request passes before any route, token or session is looked at.

- The body is read up to a limit (1 MiB unless configured) before authentication, so that
  nobody, signed in or not, makes the server hold a large body: past it the answer is 413.
  Evidence uploads, which stream to disk under their own larger limit, are exempt: the
  features that serve them name their routes (``STREAMED``, as method and path).
- Text that cannot be stored (a NUL character, a lone surrogate) and NaN or Infinity are
  refused with 422 naming the parameter or field, wherever they come in: the path, the query,
  a form or a JSON body. Without this, PostgreSQL fails on them (a 500), and SQLite stores
  rows that can never be read back.
- Every answer but the static files carries ``Cache-Control: no-store``: case data, tokens
  and custody receipts must not stay in a browser's or a proxy's cache.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rogatory import inputs
from rogatory.api import problems

STATIC = "/static/"
MAX_LISTED = 50  # bad fields listed in one answer


def _fields(prefix: str, encoded: str) -> Iterator[inputs.Bad]:
    for name, value in parse_qsl(encoded, keep_blank_values=True):
        reason = inputs.unstorable(value) or inputs.unstorable(name)
        if reason is not None:
            yield f"{prefix}.{name}", "text", reason


def _url_problems(scope: Scope) -> Iterator[inputs.Bad]:
    reason = inputs.unstorable(scope["path"])
    if reason is not None:
        yield "path", "text", reason
    yield from _fields("query", scope.get("query_string", b"").decode("latin-1"))


def _body_problems(content_type: str, body: bytes) -> Iterator[inputs.Bad]:
    media = content_type.split(";")[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        try:
            document = json.loads(body)
        except json.JSONDecodeError:
            return  # not JSON: the route's own parsing says where
        except (ValueError, RecursionError) as exc:  # not UTF-8, a 5,000-digit number, ...
            yield "body", "json", _unreadable(exc)
            return
        for where, kind, reason in inputs.bad_values(document):
            yield f"body.{where}" if where else "body", kind, reason
    elif media == "application/x-www-form-urlencoded":
        yield from _fields("form", body.decode("utf-8", "replace"))


def _unreadable(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "the JSON is nested too deeply to read"
    if isinstance(exc, UnicodeDecodeError):
        return "the body is not UTF-8"
    return f"the JSON cannot be read: {exc}"


class Guard:
    """The ASGI middleware doing the three things above, in front of the application."""

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, streamed: Sequence[tuple[str, str]]
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.streamed = [(method, compile_path(path)[0]) for method, path in streamed]

    def _streams(self, scope: Scope) -> bool:
        return any(
            scope["method"] == method and pattern.match(scope["path"])
            for method, pattern in self.streamed
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._no_store(scope, send)
        bad = list(_url_problems(scope))
        if bad:
            await self._refuse(scope, receive, send, 422, bad)
            return
        if self._streams(scope):
            await self.app(scope, receive, send)
            return
        body = await self._read(scope, receive)
        if body is None:
            await self._too_large(scope, receive, send)
            return
        headers = dict(Request(scope).headers)
        bad = list(_body_problems(headers.get("content-type", ""), body))
        if bad:
            await self._refuse(scope, receive, send, 422, bad)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, scope: Scope, receive: Receive) -> bytes | None:
        """The whole body, or None past the limit (told by Content-Length or counted)."""
        declared = Request(scope).headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            return None
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _no_store(self, scope: Scope, send: Send) -> Send:
        if scope["path"].startswith(STATIC):
            return send

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"cache-control" for name, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        return sending

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.max_body_bytes
        detail = (
            f"the request body exceeds the limit of {limit} bytes "
            f"({limit // 1024} KiB; ROGATORY_MAX_BODY_BYTES)"
        )
        await self._answer(scope, receive, send, 413, "request.too_large", detail, None)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, status: int, bad: list[inputs.Bad]
    ) -> None:
        errors = [
            {"code": f"request.invalid_{kind}", "field": field, "detail": f"field {field}: {why}"}
            for field, kind, why in bad[:MAX_LISTED]
        ]
        detail = "; ".join(e["detail"] for e in errors[:5])
        code = errors[0]["code"] if len({e["code"] for e in errors}) == 1 else "request.invalid"
        await self._answer(scope, receive, send, status, code, detail, errors)

    async def _answer(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int,
        code: str,
        detail: str,
        errors: list[dict[str, Any]] | None,
    ) -> None:
        request = Request(scope, receive)
        page = problems.page_for(request)
        if page is not None:
            response = page(request, status, code, detail)
        else:
            response = problems.problem(status, code, detail, errors=errors)
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, handed to the application as if it arrived now."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
