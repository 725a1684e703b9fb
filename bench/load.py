"""Load generator for the HTTP API: starts `attune serve` on loopback, prints throughput and latency.

For 1 and 2 workers: single-message and 100-message requests, with and without explanations, at 1
and 16 concurrent clients (keep-alive connections driven from one asyncio loop). Every
scenario is bounded by a request count and a time limit, and the server is stopped at the end.

    .venv/bin/python bench/load.py [--requests 400] [--seconds 8] [--workers 1,2] [--clients 1,16]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED = 1234
TEXTS = [
    "I miss you, can you call tonight?",
    "running 10 min late, sorry",
    "you ALWAYS disappear when I need you",
    "I need a night to myself",
    "I'm sorry, I overreacted. can we start over?",
    "did you pay the electric bill?",
    "whatever. I'm done talking",
    "thinking of you ❤️ movie night tonight?",
    "you're so needy, it's suffocating",
    "I hear you. you're right, I should have called",
    "who were you texting at 2am??",
    "ok see you at 6",
]


@dataclass
class Result:
    workers: int
    size: int
    explain: bool
    clients: int
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    def row(self) -> str:
        lat = sorted(self.latencies_ms) or [float("nan")]

        def pct(p: float) -> float:
            return lat[min(len(lat) - 1, round(p / 100 * (len(lat) - 1)))]

        rps = self.requests / self.seconds if self.seconds else 0.0
        return (
            f"{self.workers:>7} {self.size:>5} {self.explain!s:>7} {self.clients:>7} "
            f"{self.requests:>8} {self.errors:>6} {rps:>9.1f} {rps * self.size:>10.0f} "
            f"{pct(50):>8.2f} {pct(95):>8.2f} {pct(99):>8.2f}"
        )


HEADER = (
    f"{'workers':>7} {'msgs':>5} {'explain':>7} {'clients':>7} {'requests':>8} {'errors':>6} "
    f"{'req/s':>9} {'msgs/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(workers: int, log_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Start `attune serve` and wait until every worker has logged that it is ready."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "ATTUNE_API_KEYS"}
    env["ATTUNE_LOG_LEVEL"] = "INFO"  # as in production: one JSON line per request, to a file
    cmd = [sys.executable, "-m", "service.cli", "serve", "--port", str(port)]
    with log_path.open("wb") as log:
        proc = subprocess.Popen([*cmd, "--workers", str(workers)], cwd=REPO_ROOT, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}: see {log_path}")
        if log_path.read_text(encoding="utf-8").count('"event":"ready"') >= workers:
            return proc, port
        time.sleep(0.3)
    proc.terminate()
    raise SystemExit("server was not ready in 120 s")


def payload(size: int, explain: bool, rng: random.Random) -> bytes:
    messages = [{"text": rng.choice(TEXTS), "id": str(i)} for i in range(size)]
    return json.dumps({"messages": messages, "explain": explain}).encode()


async def _post(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:  # fmt: skip
    """One HTTP/1.1 keep-alive POST; the status and body of the answer."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


def _request(port: int, body: bytes) -> bytes:
    return (
        f"POST /v1/classify HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def run_scenario(
    port: int, *, workers: int, size: int, explain: bool, clients: int, max_requests: int,
    max_seconds: float,
) -> Result:  # fmt: skip
    """`clients` keep-alive connections on one asyncio loop, each sending its next request as
    soon as the last is answered. One loop (as wrk does) rather than threads: a thread that has
    its answer can wait up to the GIL switch interval before it may stop the clock, which would
    be the client's latency, not the server's. The check on each answer is a byte count."""
    rng = random.Random(SEED)
    requests = [_request(port, payload(size, explain, rng)) for _ in range(16)]
    marker = b'"kind":"message"'
    latencies: list[float] = []
    errors = 0
    issued = 0

    async def client(index: int, deadline: float) -> None:
        nonlocal issued, errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        n = index
        try:
            while issued < max_requests and time.monotonic() < deadline:
                issued += 1
                request = requests[n % len(requests)]
                n += clients
                start = time.perf_counter()
                try:
                    status, data = await _post(reader, writer, request)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    errors += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    continue
                elapsed = (time.perf_counter() - start) * 1000
                if status == 200 and data.count(marker) == size:
                    latencies.append(elapsed)
                else:
                    errors += 1
        finally:
            writer.close()

    async def run_all() -> float:
        started = time.perf_counter()
        deadline = time.monotonic() + max_seconds
        await asyncio.gather(*(client(i, deadline) for i in range(clients)))
        return time.perf_counter() - started

    seconds = asyncio.run(run_all())
    return Result(workers, size, explain, clients, len(latencies), errors, seconds, latencies)


def warm_up(port: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for explain in (False, True):
        for _ in range(20):
            conn.request(
                "POST", "/v1/classify", payload(100, explain, random.Random(SEED)),
                {"content-type": "application/json"},
            )  # fmt: skip
            conn.getresponse().read()
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="max requests per scenario")
    parser.add_argument("--seconds", type=float, default=8.0, help="max seconds per scenario")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--clients", default="1,16", help="comma-separated client counts")
    args = parser.parse_args()
    workers_list = [int(w) for w in args.workers.split(",")]
    clients_list = [int(c) for c in args.clients.split(",")]
    print(f"cpus={os.cpu_count()} requests<={args.requests} seconds<={args.seconds}")
    print(HEADER, flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for workers in workers_list:
            proc, port = start_server(workers, Path(tmp) / f"serve-{workers}.log")
            try:
                warm_up(port)
                for size in (1, 100):
                    for explain in (False, True):
                        for clients in clients_list:
                            result = run_scenario(
                                port, workers=workers, size=size, explain=explain,
                                clients=clients, max_requests=args.requests,
                                max_seconds=args.seconds,
                            )  # fmt: skip
                            print(result.row(), flush=True)
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()


if __name__ == "__main__":
    main()
