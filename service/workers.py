"""`attune serve --workers N` on Linux: each worker process listens on its own SO_REUSEPORT socket.

uvicorn's own multi-worker mode shares one listening socket between the workers, and an idle
event loop accepts every pending connection at once. A client that opens its keep-alive pool
in a burst (16 connections in the load benchmark) then lands on one worker while the others
idle: in 6 bursts of 16 connections, 4 went 16:0 to one of two workers. With one socket per
worker the kernel spreads new connections across the sockets by their address hash.

The supervisor here starts the workers, restarts one that dies, stops everything if a worker
fails at start-up (the model or port is broken, so a restart would fail the same way), and
forwards SIGINT/SIGTERM for a graceful stop. Elsewhere `attune serve` uses uvicorn's
multi-worker mode unchanged.
"""

from __future__ import annotations

import logging.config
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from multiprocessing.process import BaseProcess
from typing import Any

from service.logs import get_logger

STOP_GRACE_S = 15

log = get_logger("serve")


def reuse_port_supported() -> bool:
    """SO_REUSEPORT balances connections across sockets on Linux only (BSDs pick one socket)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def bind_reuse_port(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) with SO_REUSEPORT; the server calls listen() on it."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def check_port_free(host: str, port: int) -> None:
    """Raise OSError if anything listens on (host, port), another `attune serve` included.

    A bind without SO_REUSEPORT fails when any socket holds the port; with it, a second server
    started by the same user would silently share the port with the first.
    """
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def _worker(options: dict[str, Any], host: str, port: int) -> None:
    """One worker process: its own socket, one uvicorn server, the app built by the factory."""
    import uvicorn

    sock = bind_reuse_port(host, port)
    config = uvicorn.Config(host=host, port=port, **options)
    uvicorn.Server(config).run(sockets=[sock])


def run_workers(options: dict[str, Any], *, host: str, port: int, workers: int) -> int:
    """Serve with `workers` processes until SIGINT/SIGTERM; 0 on a clean stop, 1 if start-up failed.

    `options` are `uvicorn.Config` keyword arguments (app, factory, logging, timeouts). The
    caller has checked with `check_port_free` that the port is free.
    """
    from uvicorn.config import STARTUP_FAILURE  # a worker whose app failed to start exits with it

    logging.config.dictConfig(options["log_config"])
    # Held, never listened on: the port stays ours between worker restarts.
    guard = bind_reuse_port(host, port)
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}

    def start() -> BaseProcess:
        process = context.Process(target=_worker, args=(options, host, port), daemon=False)
        process.start()
        return process

    failed = False
    processes = [start() for _ in range(workers)]
    log.info("workers_started", extra={"fields": {"workers": workers, "pids": [p.pid for p in processes]}})
    try:
        while not stop.wait(0.5):
            for i, process in enumerate(processes):
                if process.is_alive():
                    continue
                if process.exitcode == STARTUP_FAILURE:
                    log.error("worker_startup_failed", extra={"fields": {"pid": process.pid}})
                    failed = True
                    stop.set()
                    break
                log.warning("worker_died", extra={"fields": {"pid": process.pid, "exit_code": process.exitcode}})
                processes[i] = start()
    finally:
        _stop_all(processes)
        guard.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("workers_stopped", extra={"fields": {"workers": workers}})
    return 1 if failed else 0


def _stop_all(processes: list[BaseProcess]) -> None:
    for process in processes:
        if process.is_alive() and process.pid is not None:
            os.kill(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()
