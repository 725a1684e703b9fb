"""`attune serve` as a user runs it: usage mistakes exit 2 with one line, and --workers N serves."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx
import pytest

from service.paths import REPO_ROOT

from .conftest import free_port, server_env, start_server, stop_server

ATTUNE = REPO_ROOT / ".venv" / "bin" / "attune"


def attune_command() -> list[str]:
    return [str(ATTUNE)] if ATTUNE.exists() else [sys.executable, "-m", "service.cli"]


def run_serve(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*attune_command(), "serve", *args],
        cwd=REPO_ROOT,
        env=server_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--workers", "0"], {}, "--workers must be between 1 and 64, not 0"),
        (["--port", "70000"], {}, "--port must be between 1 and 65535, not 70000"),
        ([], {"ATTUNE_MODEL": "/no/such/model"}, "ATTUNE_MODEL: Value error, model directory"),
        ([], {"ATTUNE_API_KEYS": "bad key"}, "ATTUNE_API_KEYS: Value error, API key 1"),
    ],
)
def test_usage_mistakes_exit_2_with_one_line(args, env, message) -> None:
    result = run_serve("--port", str(free_port()), *args, **env)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("attune: error: ")
    assert message in lines[0]


def test_no_model_built_exits_2(tmp_path) -> None:
    result = run_serve("--port", str(free_port()), "--model", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr == "attune: error: no model is built: run `attune train` (or `make model`)\n"


def test_two_workers_serve_and_stop_cleanly(tmp_path) -> None:
    server = start_server(tmp_path / "serve.log", "--workers", "2")
    try:
        deadline = time.monotonic() + 90
        while server.logs().count('"event":"ready"') < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            for _ in range(8):
                response = client.post("/v1/classify", json={"messages": [{"text": "I miss you"}]})
                assert response.json()["results"][0]["labels"] == ["closeness_bid"]
    finally:
        stop_server(server)
    assert server.process.returncode == 0
    records = [json.loads(line) for line in server.logs().splitlines() if line.strip()]
    ready = [r for r in records if r["event"] == "ready"]
    assert len(ready) == 2  # each worker process loaded and checked the model once
