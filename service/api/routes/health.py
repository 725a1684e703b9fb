"""GET /healthz (liveness) and GET /readyz (model loaded, hash-checked, smoke-tested)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from service.api.classify import model_info
from service.api.responses import SafeJSONResponse
from service.api.schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Liveness")
async def healthz() -> Any:
    """200 while the process answers; says nothing about the model."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "The model is not ready."}},
    summary="Readiness",
)
async def readyz(request: Request) -> Any:
    """200 once the model passed its hash check and a smoke prediction; 503 before and after."""
    predictor = getattr(request.app.state, "predictor", None)
    if predictor is None or not getattr(request.app.state, "ready", False):
        return SafeJSONResponse({"status": "not_ready", "model": None}, status_code=503)
    return {"status": "ready", "model": model_info(predictor)}
