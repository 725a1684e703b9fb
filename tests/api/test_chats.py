"""POST /v1/conversations/label and POST /v1/chats/label against a real server on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from service.api.errors import ApiError
from service.api.routes.chats import label_chat_file
from service.config import MIB, Settings

CONVERSATION = [
    {"text": "I miss you so much, can you call me tonight?", "speaker": "Sam", "timestamp": "2024-02-14T21:00:00"},
    {"text": "leave me alone, stop texting me", "speaker": "Alex", "timestamp": "2024-02-14T21:05:00"},
    {
        "text": "why do you always shut me out? I just want to be close to you",
        "speaker": "Sam",
        "timestamp": "2024-02-14T21:06:00",
        "id": "x3",
    },
    {
        "text": "I can't deal with this right now, leave me alone",
        "speaker": "Alex",
        "timestamp": "2024-02-14T21:07:00+00:00",
    },
]
WHATSAPP = """\
12/03/2024, 09:00 - Messages and calls are end-to-end encrypted. No one outside of this chat, \
not even WhatsApp, can read or listen to them. Tap to learn more.
12/03/2024, 09:01 - Sam: I miss you so much, can you call me tonight?
12/03/2024, 09:05 - Alex: leave me alone, stop texting me
12/03/2024, 09:06 - Sam: <Media omitted>
13/03/2024, 10:00 - Alex: I'm sorry, I overreacted. I love you
"""
MAX_UPLOAD = Settings.model_fields["max_upload_bytes"].default


def label(client: httpx.Client, messages: list[dict], **extra: object) -> httpx.Response:
    return client.post("/v1/conversations/label", json={"messages": messages, **extra})


def upload(client: httpx.Client, content: bytes, *, name: str = "chat.txt", **form: str) -> httpx.Response:
    return client.post("/v1/chats/label", files={"file": (name, content, "text/plain")}, data=form)


def assert_error(response: httpx.Response, status: int, fragment: str = "") -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "detail"}
    assert fragment in json.dumps(body["detail"])
    return body


# -- POST /v1/conversations/label ----------------------------------------------------------------


def test_conversation_results_in_order_with_summary(http: httpx.Client) -> None:
    response = label(http, CONVERSATION)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"model", "results", "summary"}
    assert body["model"]["name"] and body["model"]["version"]
    results = body["results"]
    assert [r["id"] for r in results] == ["1", "2", "x3", "4"]
    assert [r["speaker"] for r in results] == ["Sam", "Alex", "Sam", "Alex"]
    assert [r["text"] for r in results] == [m["text"] for m in CONVERSATION]
    assert results[3]["timestamp"] == "2024-02-14T21:07:00+00:00"
    assert "closeness_bid" in results[0]["labels"]
    assert "distance_bid" in results[1]["labels"]
    for r in results:
        assert "explanation" not in r
        assert all(0.0 <= v <= 1.0 for v in r["scores"].values())
    overall = body["summary"]["overall"]
    assert overall["messages"] == 4
    assert overall["bids"]["by_speaker"]["Sam"]["total"] == 2
    assert overall["bids"]["by_speaker"]["Sam"]["turned_against"] == 2
    assert overall["pursue_withdraw"]["runs"][0]["pursuer"] == "Sam"
    assert overall["pursue_withdraw"]["runs"][0]["exchanges"] == 2
    assert overall["ratio"]["gottman_reference"] == 5.0


def test_conversation_explanations_only_when_asked(http: httpx.Client) -> None:
    body = label(http, CONVERSATION[:2], explain=True).json()
    for r in body["results"]:
        spans = r["explanation"]["spans"]
        assert spans
        assert all(r["text"][s["start"] : s["end"]] == s["text"] for s in spans)


@pytest.mark.parametrize(
    ("messages", "extra", "fragment"),
    [
        ([{"text": "hi"}], {}, "speaker"),
        ([{"text": "  ", "speaker": "Sam"}], {}, "empty"),
        ([{"text": "hi", "speaker": "Sam", "timestamp": "next tuesday-ish"}], {}, "ISO 8601"),
        ([{"text": "hi", "speaker": "Sam", "mood": "sad"}], {}, "mood"),
        ([{"text": "hi", "speaker": 7}], {}, "speaker"),
        ([], {}, "messages"),
        ([{"text": "hi", "speaker": "Sam"}], {"explain": "yes"}, "explain"),
    ],
)
def test_conversation_bad_requests_get_422(http: httpx.Client, messages: list, extra: dict, fragment: str) -> None:
    assert_error(label(http, messages, **extra), 422, fragment)


def test_conversation_limits(http: httpx.Client) -> None:
    limits = Settings()
    too_many = [{"text": "hi", "speaker": "Sam"}] * (limits.max_messages + 1)
    assert_error(label(http, too_many), 413, "too many messages")
    too_long = [{"text": "a" * (limits.max_chars + 1), "speaker": "Sam"}]
    assert_error(label(http, too_long), 422, "at most")


# -- POST /v1/chats/label ------------------------------------------------------------------------


def test_upload_whatsapp_export(http: httpx.Client) -> None:
    response = upload(http, WHATSAPP.encode("utf-8"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) >= {"model", "results", "summary"}
    results = body["results"]
    assert [r["kind"] for r in results] == ["system", "message", "message", "media", "message"]
    assert [r["speaker"] for r in results[1:]] == ["Sam", "Alex", "Sam", "Alex"]
    assert results[1]["timestamp"] == "2024-03-12T09:01:00"
    assert results[0]["scores"] is None and results[0]["labels"] == []
    assert "closeness_bid" in results[1]["labels"]
    overall = body["summary"]["overall"]
    assert overall["skipped"] == {"media": 1, "system": 1}
    assert overall["bids"]["by_speaker"]["Sam"]["turned_against"] == 1
    assert body["warnings"] == []


def test_upload_with_named_format_dayfirst_and_explain(http: httpx.Client) -> None:
    content = WHATSAPP.replace("13/03/2024", "12/03/2024").encode("utf-8")  # ambiguous order
    body = upload(http, content, format="whatsapp", dayfirst="false", explain="true").json()
    assert body["results"][1]["timestamp"] == "2024-12-03T09:01:00"
    assert "explanation" in body["results"][1]
    assert "explanation" not in body["results"][0]
    jsonl = b'{"text": "love you", "speaker": "Sam"}\n{"text": "k", "speaker": "Alex"}\n'
    body = upload(http, jsonl, name="chat.jsonl", format="jsonl").json()
    assert [r["text"] for r in body["results"]] == ["love you", "k"]


@pytest.mark.parametrize(
    ("content", "name", "form", "status", "fragment"),
    [
        (WHATSAPP.encode(), "chat.txt", {"format": "pigeon"}, 422, "unknown format"),
        (b"", "chat.txt", {}, 422, "empty"),
        (bytes(range(256)) * 40, "blob.bin", {}, 415, "recognise"),
        (b'{"text": "hi"}\nnot json\n', "a.jsonl", {"format": "jsonl"}, 422, "line 2"),
        (b"PK\x03\x04 this is not really a zip archive", "chat.zip", {"format": "whatsapp"}, 422, "cannot read"),
        (b"\xff\xfe\x00\xd8garbage", "x.json", {"format": "telegram"}, 422, "cannot read"),
    ],
)
def test_upload_unknown_or_corrupt_files_get_clear_4xx(
    http: httpx.Client, content: bytes, name: str, form: dict, status: int, fragment: str
) -> None:
    assert_error(upload(http, content, name=name, **form), status, fragment)


def test_upload_without_file_field(http: httpx.Client) -> None:
    response = http.post("/v1/chats/label", data={"format": "auto"}, files={"other": ("a", b"x")})
    assert_error(response, 422, "file")


def test_upload_over_the_limit_gets_413(http: httpx.Client) -> None:
    just_over = b"x" * (MAX_UPLOAD + 1)
    assert_error(upload(http, just_over), 413, "larger than the limit")
    far_over = b"x" * (MAX_UPLOAD + 2 * MIB)
    assert_error(upload(http, far_over), 413, "larger than the limit")


def test_server_logs_carry_no_message_text(http: httpx.Client, server) -> None:
    secret = "my very private words 8421"
    assert label(http, [{"text": secret, "speaker": "Sam"}]).status_code == 200
    assert upload(http, f"01/02/2024, 10:00 - Sam: {secret}\n".encode()).status_code == 200
    assert secret not in server.logs()


def test_too_many_records_in_a_file_is_413(tmp_path: Path, predictor) -> None:
    path = tmp_path / "lines.txt"
    path.write_text("one\ntwo\nthree\nfour\n", encoding="utf-8")
    with pytest.raises(ApiError) as caught:
        label_chat_file(path=path, fmt="text", dayfirst=None, explain=False, predictor=predictor, max_messages=3)
    assert caught.value.status_code == 413
    out = label_chat_file(path=path, fmt="auto", dayfirst=None, explain=False, predictor=predictor, max_messages=4)
    assert out["format"] == "text"
    assert [r["text"] for r in out["results"]] == ["one", "two", "three", "four"]
