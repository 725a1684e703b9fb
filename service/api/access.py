"""One JSON log line and one metrics observation per request: route, status, ms, sizes, counts.

Routes add counts (messages, characters, labels) with `add_log_fields`; nothing logs text.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.metrics import Metrics
from service.logs import get_logger

log = get_logger("access")
_FIELDS_KEY = "attune_log_fields"


def add_log_fields(request: Request, **fields: Any) -> None:
    """Attach counts to this request's log line; values must not contain message text."""
    state = request.scope.setdefault("state", {})
    state.setdefault(_FIELDS_KEY, {}).update(fields)


class RouteNamer:
    """Maps a request path to its route template (`/v1/classify`), or `unmatched`.

    Built lazily from the app's path templates, so metrics have one series per route and an
    arbitrary path never becomes a label value.
    """

    def __init__(self, templates: Callable[[], Iterable[str]]) -> None:
        self._templates = templates
        self._exact: dict[str, str] | None = None
        self._patterns: list[tuple[re.Pattern[str], str]] = []

    def _build(self) -> dict[str, str]:
        exact: dict[str, str] = {}
        for template in self._templates():
            if "{" in template:
                regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
                self._patterns.append((re.compile(f"^{regex}$"), template))
            else:
                exact[template] = template
        return exact

    def __call__(self, path: str) -> str:
        if self._exact is None:
            self._exact = self._build()
        if path in self._exact:
            return self._exact[path]
        for pattern, template in self._patterns:
            if pattern.match(path):
                return template
        return "unmatched"


class AccessLogMiddleware:
    """Time each HTTP request, tag it with an id, log it and record it in `metrics`."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, route_namer: RouteNamer) -> None:
        self.app = app
        self.metrics = metrics
        self.route_namer = route_namer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        request_id = uuid.uuid4().hex[:16]
        scope.setdefault("state", {})
        status = 500
        bytes_in = 0
        bytes_out = 0

        async def counting_receive() -> Message:
            nonlocal bytes_in
            message = await receive()
            if message["type"] == "http.request":
                bytes_in += len(message.get("body", b""))
            return message

        async def tagging_send(message: Message) -> None:
            nonlocal status, bytes_out
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body":
                bytes_out += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, counting_receive, tagging_send)
        finally:
            seconds = time.perf_counter() - start
            route = self.route_namer(scope["path"])
            self.metrics.observe_request(route=route, method=scope["method"], status=status, seconds=seconds)
            fields: dict[str, Any] = {
                "request_id": request_id,
                "method": scope["method"],
                "route": route,
                "status": status,
                "ms": round(seconds * 1000, 2),
                "bytes_in": bytes_in,
                "bytes_out": bytes_out,
            }
            fields.update(scope["state"].get(_FIELDS_KEY, {}))
            log.info("request", extra={"fields": fields})
