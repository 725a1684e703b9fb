"""The app's lifespan: load and verify the model once, keep it read-only on `app.state`."""

from __future__ import annotations

import gc
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from service.api.readiness import load_ready_predictor, load_taxonomy
from service.logs import get_logger

log = get_logger("api")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Startup: taxonomy, model (hash check), smoke prediction, then ready. Shutdown: not ready."""
    settings = app.state.settings
    started = time.perf_counter()
    app.state.taxonomy = load_taxonomy()
    predictor = await anyio.to_thread.run_sync(load_ready_predictor, settings.model_dir)
    app.state.predictor = predictor
    # The model's many long-lived objects would otherwise be rescanned by every full GC pass,
    # which shows up as latency spikes; freezing moves them out of the collector's way.
    gc.collect()
    gc.freeze()
    app.state.ready = True
    log.info(
        "ready",
        extra={
            "fields": {
                "model": predictor.name,
                "version": predictor.version,
                "load_ms": round((time.perf_counter() - started) * 1000, 1),
                "auth": bool(settings.api_keys),
            }
        },
    )
    try:
        yield
    finally:
        app.state.ready = False
        log.info("shutdown", extra={"fields": {}})
