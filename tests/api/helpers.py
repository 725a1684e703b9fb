"""Small helpers the API tests share."""

from __future__ import annotations

import socket
from collections.abc import Iterable, Iterator

import httpx


def classify(client: httpx.Client, *texts: str, explain: bool = False) -> httpx.Response:
    """POST /v1/classify with one message per text."""
    return client.post("/v1/classify", json={"messages": [{"text": t} for t in texts], "explain": explain})


def raw_exchange(port: int, head: bytes, chunks: Iterable[bytes] = ()) -> tuple[int, dict, bytes]:
    """Send a hand-made HTTP/1.1 request (head, then body chunks) and read the whole answer.

    Sending stops quietly if the server has already answered and closed; the answer is read
    either way. Returns status, lower-cased headers and body.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        try:
            for chunk in chunks:
                sock.sendall(chunk)
        except OSError:
            pass
        data = b""
        try:
            while True:
                part = sock.recv(65536)
                if not part:
                    break
                data += part
                head_end = data.find(b"\r\n\r\n")
                if head_end >= 0:
                    length = _content_length(data[:head_end])
                    if length is not None and len(data) >= head_end + 4 + length:
                        break
        except OSError:
            pass
    head_part, _, body = data.partition(b"\r\n\r\n")
    lines = head_part.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def _content_length(head: bytes) -> int | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return None


def chunked(payload: bytes, size: int = 65536) -> Iterator[bytes]:
    """`payload` in HTTP/1.1 chunked transfer coding (no Content-Length is ever sent)."""
    for start in range(0, len(payload), size):
        piece = payload[start : start + size]
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    yield b"0\r\n\r\n"
