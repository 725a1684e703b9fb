"""GET /metrics: Prometheus text format for this process."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from service.api.deps import MetricsDep
from service.api.metrics import CONTENT_TYPE

router = APIRouter(tags=["metrics"])


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format."}},
    summary="Prometheus metrics",
)
async def metrics(registry: MetricsDep) -> PlainTextResponse:
    """Request counts and latency histograms per route, and predictions per label."""
    return PlainTextResponse(registry.render(), media_type=CONTENT_TYPE)
