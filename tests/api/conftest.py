"""Real `attune serve` processes on free loopback ports, shared by the API tests of a session.

`server` runs without API keys, `auth_server` with ATTUNE_API_KEYS set. Each writes its stderr
(the JSON logs) to a file the tests read. Both need the built model (`make model`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from service.paths import REPO_ROOT

API_KEYS = ("test-key-0123456789", "second-key-abcdef")
START_TIMEOUT_S = 90.0


@dataclass
class Server:
    """A running server: where it listens and where its logs go."""

    base_url: str
    port: int
    log_path: Path
    process: subprocess.Popen[bytes]

    def logs(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(**extra: str) -> dict[str, str]:
    """The test process's environment without ATTUNE_* settings that would change the server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTUNE_") or k == "ATTUNE_MODEL"}
    env.update(extra)
    return env


def serve_command(port: int, *args: str) -> list[str]:
    return [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *args]


def start_server(log_path: Path, *args: str, env: dict[str, str] | None = None) -> Server:
    """Start `attune serve` and wait until /readyz answers 200 (or fail with its log).

    A port taken between choosing and binding it (other processes share the machine) is
    retried on a new port, twice at most.
    """
    for _attempt in range(3):
        server = _start_once(log_path, *args, env=env)
        if server is not None:
            return server
    pytest.fail(f"attune serve could not bind a free port:\n{log_path.read_text()[-2000:]}")


def _start_once(log_path: Path, *args: str, env: dict[str, str] | None) -> Server | None:
    port = free_port()
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        serve_command(port, *args),
        cwd=REPO_ROOT,
        env=env if env is not None else server_env(),
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    log_file.close()
    server = Server(f"http://127.0.0.1:{port}", port, log_path, process)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            if "address already in use" in server.logs().lower():
                return None
            pytest.fail(f"attune serve exited with {process.returncode}:\n{server.logs()[-2000:]}")
        try:
            if httpx.get(f"{server.base_url}/readyz", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    stop_server(server)
    pytest.fail(f"attune serve was not ready in {START_TIMEOUT_S} s:\n{server.logs()[-2000:]}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=5)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`attune serve` without API keys."""
    srv = start_server(tmp_path_factory.mktemp("server") / "serve.log")
    yield srv
    stop_server(srv)


@pytest.fixture(scope="session")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`attune serve` with ATTUNE_API_KEYS set to the two API_KEYS."""
    env = server_env(ATTUNE_API_KEYS=",".join(API_KEYS))
    srv = start_server(tmp_path_factory.mktemp("auth") / "serve.log", env=env)
    yield srv
    stop_server(srv)


@pytest.fixture
def http(server: Server) -> Iterator[httpx.Client]:
    """A client of the open server."""
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        yield client
