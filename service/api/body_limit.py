"""Cap request bodies on the bytes actually received, not only on what Content-Length claims.

A body over the cap gets 413 with a JSON body: at once when Content-Length already says so,
otherwise as soon as the running count of received bytes passes the cap (chunked uploads too).
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.errors import ApiError, error_body
from service.api.responses import SafeJSONResponse


class BodyTooLargeError(ApiError):
    """The request body passed the cap for its path."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is larger than the limit of {limit} bytes")


class BodyLimitMiddleware:
    """ASGI middleware counting body bytes per request; `limits` override the cap per path."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, limits: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.limits = dict(limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], self.max_bytes)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _reject(scope, receive, send, BodyTooLargeError(limit))
            return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLargeError as e:
            # Raised outside the app's own handlers (e.g. read by a middleware): answer here.
            if started:
                raise
            await _reject(scope, receive, send, e)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _reject(scope: Scope, receive: Receive, send: Send, error: BodyTooLargeError) -> None:
    response = SafeJSONResponse(
        error_body(error.status_code, error.detail),
        status_code=error.status_code,
        headers={"connection": "close"},
    )
    await response(scope, receive, send)
