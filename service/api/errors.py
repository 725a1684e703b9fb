"""API errors and the handlers that turn every failure into a JSON body with a clear message.

Client mistakes get 4xx; a genuine internal fault gets a JSON 500 that names nothing from the
request. Validation errors never echo the input back (it may be message text or huge).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from service.api.responses import SafeJSONResponse
from service.logs import get_logger

log = get_logger("api")

ERROR_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    500: "internal_error",
    503: "not_ready",
}


class ApiError(StarletteHTTPException):
    """A client-facing error with a status, a machine-readable code and a one-line message."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code=status_code, detail=detail, headers=headers)
        self.code = code or ERROR_CODES.get(status_code, "error")


def error_body(status_code: int, detail: Any, *, code: str | None = None) -> dict[str, Any]:
    """The one shape of every error body: `{"error": code, "detail": message or list}`."""
    return {"error": code or ERROR_CODES.get(status_code, "error"), "detail": detail}


def _clean_validation_errors(errors: Any) -> list[dict[str, Any]]:
    """Location, message and type of each problem; the offending input is left out."""
    out = []
    for item in errors:
        out.append(
            {
                "loc": [p if isinstance(p, int | str) else str(p) for p in item.get("loc", ())],
                "msg": str(item.get("msg", "invalid value")).removeprefix("Value error, "),
                "type": str(item.get("type", "value_error")),
            }
        )
    return out


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    detail = exc.detail or HTTPStatus(exc.status_code).phrase
    code = getattr(exc, "code", None)
    return SafeJSONResponse(
        error_body(exc.status_code, detail, code=code),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    body = error_body(422, _clean_validation_errors(exc.errors()))
    return SafeJSONResponse(body, status_code=422)


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.error(
        "internal_error",
        extra={"fields": {"path": request.url.path, "error": type(exc).__name__}},
    )
    return SafeJSONResponse(error_body(500, "internal error"), status_code=500)


def add_exception_handlers(app: FastAPI) -> None:
    """Register the JSON handlers for HTTP errors, validation errors and internal faults."""
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _internal_error)
