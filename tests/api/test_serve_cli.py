"""`attune serve` as a user runs it: usage mistakes exit 2 with one line, and --workers N serves."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from service.paths import REPO_ROOT
from service.workers import reuse_port_supported

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


def _records(server) -> list[dict]:
    return [json.loads(line) for line in server.logs().splitlines() if line.strip().startswith("{")]


def _wait_for_ready_lines(server, count: int) -> None:
    deadline = time.monotonic() + 90
    while server.logs().count('"event":"ready"') < count and time.monotonic() < deadline:
        time.sleep(0.2)
    assert server.logs().count('"event":"ready"') >= count, server.logs()[-2000:]


def _burst_request_ids(port: int, connections: int) -> list[str]:
    """Open `connections` keep-alive connections at once, then send one request on each."""
    socks = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(connections)]
    ids = []
    try:
        for sock in socks:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        for sock in socks:
            head = b""
            while b"\r\n\r\n" not in head:
                head += sock.recv(4096)
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"x-request-id:"):
                    ids.append(line.split(b":", 1)[1].strip().decode())
    finally:
        for sock in socks:
            sock.close()
    return ids


def test_two_workers_serve_share_connections_and_stop_cleanly(tmp_path) -> None:
    server = start_server(tmp_path / "serve.log", "--workers", "2")
    try:
        _wait_for_ready_lines(server, 2)
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            for _ in range(8):
                response = client.post("/v1/classify", json={"messages": [{"text": "I miss you"}]})
                assert response.json()["results"][0]["labels"] == ["closeness_bid"]
        ids = _burst_request_ids(server.port, 24)
        assert len(ids) == 24
        time.sleep(0.5)  # let both workers flush their access lines
    finally:
        stop_server(server)
    assert server.process.returncode == 0
    records = _records(server)
    ready = [r for r in records if r["event"] == "ready"]
    assert len(ready) == 2  # each worker process loaded and checked the model once
    pid_of = {r["request_id"]: r["pid"] for r in records if r["event"] == "request"}
    # One listening socket per worker (Linux): a burst of connections reaches both workers.
    # Each connection picks a socket by hash, so all 24 on one worker has odds of 2 in 2**24.
    if reuse_port_supported():
        assert len({pid_of[i] for i in ids}) == 2


def test_a_dead_worker_is_replaced(tmp_path) -> None:
    server = start_server(tmp_path / "serve.log", "--workers", "2")
    try:
        _wait_for_ready_lines(server, 2)
        victim = next(r["pid"] for r in _records(server) if r["event"] == "ready")
        os.kill(victim, signal.SIGKILL)
        _wait_for_ready_lines(server, 3)
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            for _ in range(8):
                assert client.get("/readyz").status_code == 200
    finally:
        stop_server(server)
    assert server.process.returncode == 0


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_port_in_use_exits_2_before_loading_anything(workers: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_serve("--port", str(port), "--workers", workers)
    assert result.returncode == 2
    assert result.stderr == f"attune: error: cannot listen on 127.0.0.1:{port}: Address already in use\n"
