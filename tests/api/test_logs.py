"""Logs are one JSON object a line and never contain message text."""

from __future__ import annotations

import json
import logging
import time

from service.logs import JsonFormatter

from .helpers import classify

SECRET = "pineapple-harbour-whisper"


def test_formatter_puts_fields_at_top_level_and_drops_exception_text() -> None:
    record = logging.LogRecord("attune.x", logging.ERROR, __file__, 1, "request", None, None)
    record.fields = {"route": "/v1/classify", "status": 200, "ms": 1.5, "event": "clash"}
    try:
        raise ValueError(SECRET)
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["event"] == "request" and data["field_event"] == "clash"
    assert data["route"] == "/v1/classify" and data["status"] == 200 and data["ms"] == 1.5
    assert data["level"] == "error" and data["logger"] == "attune.x" and data["pid"] == record.process
    assert data["error"] == "ValueError"
    assert SECRET not in line


def test_server_logs_are_json_lines_without_text(server, http) -> None:
    texts = [f"{SECRET} I miss you", f"{SECRET} leave me alone"]
    assert classify(http, *texts, explain=True).status_code == 200
    assert http.post("/v1/classify", json={"messages": [{"text": SECRET, "x": 1}]}).status_code == 422
    time.sleep(0.3)  # let the server flush its log line
    lines = [line for line in server.logs().splitlines() if line.strip()]
    not_json = []
    for line in lines:
        try:
            json.loads(line)
        except json.JSONDecodeError:
            not_json.append(line[:200])
    assert not_json == [], "every log line is one JSON object"
    records = [json.loads(line) for line in lines]
    assert SECRET not in server.logs()
    assert any(r["event"] == "ready" and r["model"] == "attune-linear" for r in records)
    requests = [r for r in records if r["event"] == "request" and r.get("messages") == 2]
    assert requests, "the classify request was logged"
    last = requests[-1]
    assert last["route"] == "/v1/classify" and last["status"] == 200 and last["method"] == "POST"
    assert last["chars"] == sum(map(len, texts))
    assert last["explain"] is True
    assert sum(last["labels"].values()) >= 2
    assert last["ms"] > 0 and len(last["request_id"]) == 16
