"""`attune serve`: run the HTTP API under uvicorn, with `--workers N` processes.

On Linux, several workers each listen on their own SO_REUSEPORT socket (`service.workers`), so
the kernel spreads connections across them; elsewhere uvicorn's multi-worker mode is used.
"""

from __future__ import annotations

import argparse
import inspect
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from service.config import Settings, get_settings, settings_error_line
from service.errors import ModelNotFoundError, UsageError
from service.logs import log_config
from service.paths import default_model_dir
from service.workers import check_port_free, reuse_port_supported, run_workers

APP_FACTORY = "service.api.main:create_app"
WORKER_HEALTHCHECK_S = 60


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="serve the HTTP API (default 127.0.0.1:8000)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to bind (default 8000)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--model", type=Path, default=None, help="model directory (or ATTUNE_MODEL)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check arguments, settings and the model before starting, so mistakes exit 2 at once."""
    import uvicorn

    if not 0 < args.port < 65536:
        raise UsageError(f"--port must be between 1 and 65535, not {args.port}")
    if not 1 <= args.workers <= 64:
        raise UsageError(f"--workers must be between 1 and 64, not {args.workers}")
    if args.model is not None:
        os.environ["ATTUNE_MODEL"] = str(args.model)  # worker processes read it too
    get_settings.cache_clear()
    try:
        settings = Settings()
    except ValidationError as e:
        raise UsageError(settings_error_line(e)) from e
    model_dir = settings.model_dir or default_model_dir()
    if model_dir is None or not (model_dir / "model_card.json").is_file():
        raise ModelNotFoundError("no model is built: run `attune train` (or `make model`)")
    try:
        check_port_free(args.host, args.port)
    except OSError as e:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {e.strerror or e}") from e
    options: dict[str, Any] = {
        "factory": True,
        "log_config": log_config(settings.log_level),
        "access_log": False,
        "server_header": False,
        "timeout_graceful_shutdown": 10,
    }
    if args.workers > 1 and reuse_port_supported():
        return run_workers({"app": APP_FACTORY, **options}, host=args.host, port=args.port, workers=args.workers)
    if "timeout_worker_healthcheck" in inspect.signature(uvicorn.run).parameters:
        # Workers import the model stack before answering pings; the default 5 s is too short
        # on a busy 2-core machine and makes the supervisor restart healthy workers.
        options["timeout_worker_healthcheck"] = WORKER_HEALTHCHECK_S
    uvicorn.run(APP_FACTORY, host=args.host, port=args.port, workers=args.workers, **options)
    return 0
