"""Shared route dependencies as `Annotated` aliases: settings, model, metrics, taxonomy.

They are `async def` because they only read `app.state`: FastAPI runs a plain `def` dependency
in the threadpool, a thread hand-off per dependency per request for no work at all.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from service.api.errors import ApiError
from service.api.metrics import Metrics
from service.config import Settings
from service.predictor import Predictor


async def get_app_settings(request: Request) -> Settings:
    """The settings this app was built with (`create_app(settings)`), not a fresh read."""
    return request.app.state.settings


async def get_predictor(request: Request) -> Predictor:
    """The model loaded in the lifespan; 503 until it has passed its checks."""
    predictor = getattr(request.app.state, "predictor", None)
    if predictor is None or not getattr(request.app.state, "ready", False):
        raise ApiError(503, "the model is not loaded yet; retry when /readyz answers 200")
    return predictor


async def get_metrics(request: Request) -> Metrics:
    """This process's metrics registry."""
    return request.app.state.metrics


async def get_taxonomy(request: Request) -> dict[str, Any]:
    """The label taxonomy read at startup."""
    taxonomy = getattr(request.app.state, "taxonomy", None)
    if taxonomy is None:
        raise ApiError(503, "the taxonomy is not loaded yet; retry when /readyz answers 200")
    return taxonomy


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
PredictorDep = Annotated[Predictor, Depends(get_predictor)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
TaxonomyDep = Annotated[dict[str, Any], Depends(get_taxonomy)]
