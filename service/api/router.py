"""Collects one router per resource into the app's single API router."""

from __future__ import annotations

from fastapi import APIRouter

from service.api.routes import chats, classify, health, labels, metrics, model

V1_PREFIX = "/v1"

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(metrics.router)

v1_router = APIRouter(prefix=V1_PREFIX)
v1_router.include_router(classify.router)
v1_router.include_router(labels.router)
v1_router.include_router(model.router)
v1_router.include_router(chats.router)

api_router.include_router(v1_router)
