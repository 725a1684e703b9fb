"""Optional API keys: with keys set, every route but health, readiness and the docs needs one.

A key comes as `Authorization: Bearer <key>` or `X-API-Key: <key>`. Checked in an ASGI middleware,
before any body is read, comparing sha256 digests with `hmac.compare_digest` against every key
(constant time, no early exit, no length leak).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from service.api.errors import error_body
from service.api.responses import SafeJSONResponse

OPEN_PATHS = frozenset({"/healthz", "/readyz", "/openapi.json", "/docs", "/redoc"})


def presented_key(headers: Iterable[tuple[bytes, bytes]]) -> bytes | None:
    """The key a request carries, from `Authorization: Bearer` first, else `X-API-Key`."""
    api_key = None
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.strip().partition(b" ")
            if scheme.lower() == b"bearer" and token.strip():
                return token.strip()
        elif name == b"x-api-key" and value.strip():
            api_key = value.strip()
    return api_key


def key_is_valid(key: bytes | None, digests: Iterable[bytes]) -> bool:
    """Whether `key` is one of the keys whose sha256 digests are given; constant time."""
    candidate = hashlib.sha256(key or b"").digest()
    ok = False
    for digest in digests:
        ok |= hmac.compare_digest(candidate, digest)
    return ok and key is not None


class ApiKeyMiddleware:
    """Answer 401 JSON to requests without a valid key; a no-op when no keys are configured."""

    def __init__(self, app: ASGIApp, *, keys: Iterable[str]) -> None:
        self.app = app
        self.digests = tuple(hashlib.sha256(k.encode("utf-8")).digest() for k in keys)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not self.digests
            or scope["path"] in OPEN_PATHS
            or key_is_valid(presented_key(scope.get("headers", ())), self.digests)
        ):
            await self.app(scope, receive, send)
            return
        response = SafeJSONResponse(
            error_body(401, "a valid API key is required: Authorization: Bearer or X-API-Key"),
            status_code=401,
            headers={"www-authenticate": 'Bearer realm="attune"'},
        )
        await response(scope, receive, send)
