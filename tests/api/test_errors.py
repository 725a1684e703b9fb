"""Bad requests get a 4xx with a JSON body saying what is wrong, never a 500, never an echo."""

from __future__ import annotations

import pytest

SECRET = "zebra-quartz-secret-text"


def _post_raw(http, content: bytes, content_type: str = "application/json"):
    return http.post("/v1/classify", content=content, headers={"content-type": content_type})


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"messages": [{"text": ""}]}, ["body", "messages", 0, "text"]),
        ({"messages": [{"text": "   \n\t "}]}, ["body", "messages", 0, "text"]),
        ({"messages": [{"text": "\u3000\u00a0\u2003"}]}, ["body", "messages", 0, "text"]),
        ({"messages": [{"text": 42}]}, ["body", "messages", 0, "text"]),
        ({"messages": [{"text": None}]}, ["body", "messages", 0, "text"]),
        ({"messages": [{"text": ["a"]}]}, ["body", "messages", 0, "text"]),
        ({"messages": [{"id": "1"}]}, ["body", "messages", 0, "text"]),
        ({"messages": [{"text": "hi", "id": 7}]}, ["body", "messages", 0, "id"]),
        ({"messages": [{"text": "hi", "mood": "x"}]}, ["body", "messages", 0, "mood"]),
        ({"messages": [{"text": "hi"}], "explain": "true"}, ["body", "explain"]),
        ({"messages": [{"text": "hi"}], "explain": 1}, ["body", "explain"]),
        ({"messages": [{"text": "hi"}], "extra": True}, ["body", "extra"]),
        ({"messages": []}, ["body", "messages"]),
        ({"messages": "hi"}, ["body", "messages"]),
        ({"messages": ["hi"]}, ["body", "messages", 0]),
        ({}, ["body", "messages"]),
    ],
)
def test_invalid_body_is_422_with_location(http, body, loc) -> None:
    response = http.post("/v1/classify", json=body)
    assert response.status_code == 422
    data = response.json()
    assert data["error"] == "invalid_request"
    assert loc in [item["loc"] for item in data["detail"]]
    assert all(set(item) == {"loc", "msg", "type"} for item in data["detail"])


def test_blank_text_message_is_clear(http) -> None:
    data = http.post("/v1/classify", json={"messages": [{"text": "  "}]}).json()
    assert data["detail"][0]["msg"] == "text is empty or only whitespace"


@pytest.mark.parametrize(
    "content",
    [b"", b"{", b"not json", b"[1, 2]", b"null", b'"text"', b'{"messages": [{"text": "a"}]}}'],
)
def test_malformed_json_is_4xx_json(http, content: bytes) -> None:
    response = _post_raw(http, content)
    assert response.status_code in (400, 422)
    assert response.json()["error"] in ("bad_request", "invalid_request")


def test_invalid_utf8_is_4xx_json(http) -> None:
    response = _post_raw(http, b'{"messages": [{"text": "\xff\xfe bad"}]}')
    assert 400 <= response.status_code < 500
    assert response.json()["error"] in ("bad_request", "invalid_request")


def test_deeply_nested_json_is_4xx_json(http) -> None:
    response = _post_raw(http, b"[" * 200_000 + b"]" * 200_000)
    assert 400 <= response.status_code < 500
    assert "error" in response.json()


def test_wrong_content_type_is_422(http) -> None:
    response = _post_raw(http, b'{"messages": [{"text": "hi"}]}', "text/plain")
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"


def test_errors_never_echo_the_input(http) -> None:
    bodies = [
        {"messages": [{"text": SECRET, "extra": SECRET}]},
        {"messages": [{"text": SECRET * 300}]},
        {"messages": [{"text": SECRET}], "explain": SECRET},
    ]
    for body in bodies:
        response = http.post("/v1/classify", json=body)
        assert response.status_code == 422
        assert SECRET not in response.text


def test_unknown_path_and_method_are_json(http) -> None:
    missing = http.get("/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json() == {"error": "not_found", "detail": "Not Found"}
    wrong = http.get("/v1/classify")
    assert wrong.status_code == 405
    assert wrong.json()["error"] == "method_not_allowed"
