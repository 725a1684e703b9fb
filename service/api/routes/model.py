"""GET /v1/model: the model card of the loaded model."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from service.api.deps import PredictorDep
from service.api.schemas import ERROR_RESPONSES, ModelCard

router = APIRouter(tags=["model"])


@router.get("/model", response_model=ModelCard, responses=ERROR_RESPONSES, summary="Model card")
async def model_card(predictor: PredictorDep) -> Any:
    """Name, version, training data, metrics and thresholds of the model answering requests."""
    return predictor.card
