"""API keys over a real server started with ATTUNE_API_KEYS: 401 JSON without a valid key."""

from __future__ import annotations

import httpx
import pytest

from .conftest import API_KEYS

BODY = {"messages": [{"text": "I miss you"}]}
PROTECTED = [
    ("POST", "/v1/classify"),
    ("GET", "/v1/labels"),
    ("GET", "/v1/model"),
    ("GET", "/metrics"),
]


@pytest.fixture
def anon(auth_server):
    with httpx.Client(base_url=auth_server.base_url, timeout=30) as client:
        yield client


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-key"},
        {"Authorization": f"Basic {API_KEYS[0]}"},
        {"Authorization": f"Bearer {API_KEYS[0]}x"},
        {"Authorization": f"Bearer {API_KEYS[0][:-1]}"},
        {"X-API-Key": "wrong-key"},
        {"X-API-Key": ""},
        {"Authorization": "Bearer"},
    ],
)
def test_missing_or_wrong_key_is_401(anon, method, path, headers) -> None:
    response = anon.request(method, path, headers=headers, json=BODY if method == "POST" else None)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("key", API_KEYS)
@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "X-API-Key"])
def test_valid_key_is_accepted(anon, key, scheme) -> None:
    headers = {"X-API-Key": key} if scheme == "X-API-Key" else {"Authorization": f"{scheme} {key}"}
    response = anon.post("/v1/classify", json=BODY, headers=headers)
    assert response.status_code == 200
    assert response.json()["results"][0]["labels"] == ["closeness_bid"]
    assert anon.get("/v1/labels", headers=headers).status_code == 200


def test_auth_comes_before_reading_the_body(anon) -> None:
    """A bad body without a key is 401, not 422: nothing is parsed for an anonymous caller."""
    response = anon.post("/v1/classify", content=b"{broken", headers={"content-type": "application/json"})
    assert response.status_code == 401


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/openapi.json"])
def test_health_readiness_and_schema_stay_open(anon, path) -> None:
    assert anon.get(path).status_code == 200


def test_no_keys_means_no_auth(http) -> None:
    assert http.post("/v1/classify", json=BODY).status_code == 200
    assert http.get("/metrics").status_code == 200
