"""POST /v1/classify: label messages, optionally with explanations."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from service.api.classify import classify_messages, record_labelling
from service.api.deps import MetricsDep, PredictorDep, SettingsDep
from service.api.limits import check_message_limits
from service.api.offload import run_model_work
from service.api.schemas import ERROR_RESPONSES, ClassifyRequest, ClassifyResponse

router = APIRouter(tags=["classify"])


@router.post(
    "/classify",
    response_model=ClassifyResponse,
    response_model_exclude_unset=True,
    responses=ERROR_RESPONSES,
    summary="Label messages",
)
async def classify(
    body: ClassifyRequest,
    request: Request,
    predictor: PredictorDep,
    settings: SettingsDep,
    metrics: MetricsDep,
) -> Any:
    """Label each message (multi-label) with calibrated scores, in request order.

    With `explain: true` each result carries cue citations, spans for all four labels and the
    bias; without it no explanation is computed.
    """
    texts = [m.text for m in body.messages]
    check_message_limits(texts, settings=settings)
    result = await run_model_work(
        texts, body.explain, settings.inline_budget,
        classify_messages, messages=body.messages, explain=body.explain, predictor=predictor,
    )
    record_labelling(request, metrics, texts, explain=body.explain, results=result["results"])
    return result
