"""Structured logs: one JSON object a line, carrying ids, counts, lengths and timings, never text.

Callers pass their fields with `extra={"fields": {...}}`; the formatter puts them at the top level.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

LOGGER_NAME = "attune"
_RESERVED = ("ts", "level", "logger", "pid", "event")


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON line: time, level, logger, event and the caller's fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,  # which worker, when `attune serve --workers N` runs several
            "event": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            for key, value in fields.items():
                out[key if key not in _RESERVED else f"field_{key}"] = value
        if record.exc_info and record.exc_info[0] is not None:
            # The exception type only: a message or traceback could quote request content.
            out["error"] = record.exc_info[0].__name__
        return json.dumps(out, ensure_ascii=True, default=str, separators=(",", ":"))


def log_config(level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` dict sending attune's and uvicorn's logs to stderr as JSON.

    Uvicorn's access log is off: the service writes its own request line without query strings.
    """
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": handler},
        # Libraries' own warnings (the multipart parser, say) go out as JSON lines too.
        "root": {"handlers": ["stderr"], "level": "WARNING"},
        "loggers": {
            LOGGER_NAME: {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.error": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        },
    }


def configure_logging(level: str = "INFO") -> None:
    """Apply `log_config(level)` to this process."""
    import logging.config

    logging.config.dictConfig(log_config(level))


def get_logger(name: str = "") -> logging.Logger:
    """A logger under the `attune` tree."""
    return logging.getLogger(f"{LOGGER_NAME}.{name}" if name else LOGGER_NAME)
