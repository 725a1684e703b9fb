"""Unicode of every kind through a real server: emoji, RTL, combining marks, lone surrogates."""

from __future__ import annotations

import json

import pytest

from .helpers import classify

TEXTS = [
    "I miss you 😢❤️ can you call tonight? 👩‍❤️‍👨",
    "أنا أفتقدك كثيرا، هل يمكنك الاتصال بي الليلة؟",
    "אני מתגעגע אליך, תתקשר?",
    "I'm so\u0301rry, I overreacted\u0308 — e\u0301 n\u0303 a\u030a",
    "🏳️‍🌈🇩🇪👍🏽 you always shut me out 🙄",
    "\u202eLEAVE ME ALONE\u202c \u200b\u200d\ufeff",
    "tab\there, null\u0000byte, bell\u0007",
    "𝕴 𝖒𝖎𝖘𝖘 𝖞𝖔𝖚 — 你好 我想你 — こんにちは",
]


@pytest.mark.parametrize("text", TEXTS)
def test_unicode_text_round_trips_with_valid_offsets(http, text: str) -> None:
    response = classify(http, text, explain=True)
    assert response.status_code == 200
    item = response.json()["results"][0]
    assert item["text"] == text
    for span in item["explanation"]["spans"] + item["explanation"]["cues"]:
        assert text[span["start"] : span["end"]] == span["text"]


def _post_json_text(http, body_text: str):
    return http.post(
        "/v1/classify",
        content=body_text.encode("ascii"),
        headers={"content-type": "application/json"},
    )


@pytest.mark.parametrize(
    ("escaped", "expected"),
    [
        ("a\\ud800b", "a\ufffdb"),
        ("\\udc00 miss you", "\ufffd miss you"),
        ("x\\udbff\\ud800", "x\ufffd\ufffd"),  # high then high: both lone
        ("\\ude00\\ud83d", "\ufffd\ufffd"),  # reversed pair: both lone
        ("ok \\ud83d\\ude00", "ok 😀"),  # a valid pair stays an emoji
    ],
)
def test_lone_surrogates_become_replacement_chars(http, escaped: str, expected: str) -> None:
    """Decided behaviour: each lone surrogate becomes U+FFFD, so offsets and length are kept."""
    body = '{"messages": [{"text": "%s", "id": "\\ud800", "speaker": "S\\udfff"}], "explain": true}'
    response = _post_json_text(http, body % escaped)
    assert response.status_code == 200
    item = json.loads(response.content.decode("utf-8"))["results"][0]
    assert item["text"] == expected
    assert item["id"] == "\ufffd" and item["speaker"] == "S\ufffd"
    for span in item["explanation"]["spans"]:
        assert expected[span["start"] : span["end"]] == span["text"]


def test_lone_surrogate_alone_is_not_blank(http) -> None:
    response = _post_json_text(http, '{"messages": [{"text": "\\ud800"}]}')
    assert response.status_code == 200
    assert response.json()["results"][0]["text"] == "\ufffd"


def test_lone_surrogate_in_an_invalid_request_is_a_clean_422(http) -> None:
    response = _post_json_text(http, '{"messages": [{"text": "hi"}], "\\ud800": "\\udc00"}')
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
