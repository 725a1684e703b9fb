"""Every limit over a real server: message count, characters per message, body bytes read."""

from __future__ import annotations

import json

from .helpers import chunked, classify, raw_exchange

MAX_MESSAGES = 1000
MAX_CHARS = 5000
MAX_BODY = 2 * 1024 * 1024


def test_max_messages_accepted(http) -> None:
    response = classify(http, *[f"see you at {i}" for i in range(MAX_MESSAGES)])
    assert response.status_code == 200
    assert len(response.json()["results"]) == MAX_MESSAGES


def test_one_message_too_many_is_413(http) -> None:
    response = classify(http, *["ok"] * (MAX_MESSAGES + 1))
    assert response.status_code == 413
    body = response.json()
    assert body["error"] == "too_many_messages"
    assert "1001" in body["detail"] and "1000" in body["detail"]


def test_max_chars_accepted_and_one_more_is_422(http) -> None:
    fits = "a" * (MAX_CHARS - 9) + " miss you"
    assert len(fits) == MAX_CHARS
    ok = classify(http, fits, explain=True)
    assert ok.status_code == 200
    assert ok.json()["results"][0]["text"] == fits
    too_long = classify(http, "fine", fits + "!")
    assert too_long.status_code == 422
    body = too_long.json()
    assert body["error"] == "invalid_request"
    assert body["detail"] == [
        {
            "loc": ["body", "messages", 1, "text"],
            "msg": "text is 5001 characters; at most 5000 are allowed",
            "type": "string_too_long",
        }
    ]


def test_chars_are_code_points_not_bytes(http) -> None:
    """5,000 emoji are 20,000 UTF-8 bytes but 5,000 characters: allowed."""
    assert classify(http, "😀" * MAX_CHARS).status_code == 200


def test_declared_content_length_over_cap_is_413_before_reading(server) -> None:
    head = (
        "POST /v1/classify HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        f"Content-Length: {MAX_BODY + 1}\r\n\r\n"
    ).encode()
    status, headers, body = raw_exchange(server.port, head)  # the body is never sent
    assert status == 413
    assert headers["content-type"].startswith("application/json")
    assert json.loads(body)["error"] == "payload_too_large"


def test_chunked_body_over_cap_is_413_on_bytes_read(server) -> None:
    """No Content-Length at all: the cap holds on the bytes actually received."""
    text = "x" * 4000
    n = MAX_BODY // (len(text) + 20) + 10
    payload = json.dumps({"messages": [{"text": text}] * n}).encode()
    assert len(payload) > MAX_BODY
    head = (
        b"POST /v1/classify HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    status, _, body = raw_exchange(server.port, head, chunked(payload))
    assert status == 413
    assert json.loads(body) == {
        "error": "payload_too_large",
        "detail": f"request body is larger than the limit of {MAX_BODY} bytes",
    }


def test_chunked_body_under_cap_is_served(server) -> None:
    payload = json.dumps({"messages": [{"text": "I miss you"}] * 10}).encode()
    head = (
        b"POST /v1/classify HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    status, _, body = raw_exchange(server.port, head, chunked(payload, size=7))
    assert status == 200
    assert len(json.loads(body)["results"]) == 10


def test_server_still_serves_after_rejections(http) -> None:
    assert classify(http, *["ok"] * (MAX_MESSAGES + 1)).status_code == 413
    assert classify(http, "love you").status_code == 200
