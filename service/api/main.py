"""Wires the app: settings, exception handlers, middleware and the one API router.

`uvicorn --factory service.api.main:create_app` (what `attune serve` runs) builds it per worker.
"""

from __future__ import annotations

from fastapi import FastAPI

from service import __version__
from service.api.access import AccessLogMiddleware, RouteNamer
from service.api.auth import ApiKeyMiddleware
from service.api.body_limit import BodyLimitMiddleware
from service.api.errors import add_exception_handlers
from service.api.lifespan import lifespan
from service.api.metrics import Metrics
from service.api.responses import SafeJSONResponse
from service.api.router import V1_PREFIX, api_router
from service.config import MIB, Settings, get_settings

UPLOAD_PATHS = (f"{V1_PREFIX}/chats/label",)

DESCRIPTION = """Label relationship messages as closeness bids, distance bids, criticism or
repair attempts, with calibrated scores and optional explanations. Runs locally.

When API keys are configured, send `Authorization: Bearer <key>` or `X-API-Key: <key>`
(`/healthz`, `/readyz` and the docs stay open). Every error is JSON: `{"error", "detail"}`."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for `settings` (default: from the environment); the model loads on startup."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Attune",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        default_response_class=SafeJSONResponse,
    )
    app.state.settings = settings
    app.state.metrics = Metrics()
    app.state.ready = False
    add_exception_handlers(app)
    app.include_router(api_router)
    # Added innermost first: access log (outermost) -> API key -> body cap -> routes.
    upload_cap = settings.max_upload_bytes + MIB  # room for the multipart framing
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        limits=dict.fromkeys(UPLOAD_PATHS, upload_cap),
    )
    app.add_middleware(ApiKeyMiddleware, keys=settings.api_keys)
    app.add_middleware(AccessLogMiddleware, metrics=app.state.metrics, route_namer=RouteNamer(lambda: _paths(app)))
    return app


def _paths(app: FastAPI) -> list[str]:
    """Every path template the app serves, the docs included."""
    docs = [url for url in (app.openapi_url, app.docs_url, app.redoc_url) if url]
    return [*app.openapi().get("paths", {}), *docs]
