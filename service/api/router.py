"""Collects one router per resource into the app's single API router."""

from __future__ import annotations

import importlib

from fastapi import APIRouter

from service.api.routes import classify, health, labels, metrics, model

V1_PREFIX = "/v1"

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(metrics.router)

v1_router = APIRouter(prefix=V1_PREFIX)
v1_router.include_router(classify.router)
v1_router.include_router(labels.router)
v1_router.include_router(model.router)

try:  # The chat routes are written separately; the API runs without them until they land.
    chats = importlib.import_module("service.api.routes.chats")
except ModuleNotFoundError as e:  # only a missing module is tolerated, not a broken one
    if e.name != "service.api.routes.chats":
        raise
else:
    v1_router.include_router(chats.router)

api_router.include_router(v1_router)
