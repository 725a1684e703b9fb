"""The app in process (`with TestClient(app)`): lifespan, readiness, settings, OpenAPI, faults."""

from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient

from service.api.main import create_app
from service.config import Settings
from service.errors import ModelIntegrityError, ModelNotFoundError

SECRET = "marmalade-lighthouse-secret"
CONTRACT_KEYS = [
    "id", "conversation", "timestamp", "speaker", "kind", "text", "labels", "primary", "scores",
    "explanation",
]  # fmt: skip


@pytest.fixture(scope="module")
def small_app(predictor):
    settings = Settings(model_dir=predictor.model_dir, max_messages=3, max_chars=20, max_body_bytes=1024)
    app = create_app(settings)
    with TestClient(app) as client:
        yield app, client


def test_not_ready_before_the_lifespan_ran(predictor) -> None:
    client = TestClient(create_app(Settings(model_dir=predictor.model_dir)))  # no lifespan
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json() == {"status": "not_ready", "model": None}
    response = client.post("/v1/classify", json={"messages": [{"text": "hi"}]})
    assert response.status_code == 503
    assert response.json()["error"] == "not_ready"


def test_lifespan_loads_once_and_turns_ready(small_app) -> None:
    app, client = small_app
    assert app.state.ready is True
    assert client.get("/readyz").json()["status"] == "ready"
    loaded = app.state.predictor
    client.post("/v1/classify", json={"messages": [{"text": "hi"}]})
    assert app.state.predictor is loaded


def test_limits_come_from_the_settings(small_app) -> None:
    _, client = small_app
    assert client.post("/v1/classify", json={"messages": [{"text": "a"}] * 3}).status_code == 200
    too_many = client.post("/v1/classify", json={"messages": [{"text": "a"}] * 4})
    assert too_many.status_code == 413
    assert too_many.json()["detail"] == "too many messages: 4; at most 3 per request"
    too_long = client.post("/v1/classify", json={"messages": [{"text": "x" * 21}]})
    assert too_long.status_code == 422
    big = client.post("/v1/classify", content=b" " * 1025, headers={"content-type": "application/json"})
    assert big.status_code == 413


def test_settings_dependency_is_the_apps(small_app) -> None:
    app, client = small_app
    assert app.state.settings.max_messages == 3
    assert app.dependency_overrides == {}  # an override would be re-inspected on every request
    # the limit a route enforces is the app's, not the environment's
    assert client.post("/v1/classify", json={"messages": [{"text": "a"}] * 4}).status_code == 413


def test_internal_fault_is_a_json_500_without_text(predictor) -> None:
    app = create_app(Settings(model_dir=predictor.model_dir))

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError(SECRET)

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"error": "internal_error", "detail": "internal error"}
    assert SECRET not in response.text


def test_missing_model_fails_startup(tmp_path) -> None:
    app = create_app(Settings(model_dir=tmp_path))
    with pytest.raises(ModelNotFoundError), TestClient(app):
        pass


def test_tampered_model_fails_the_hash_check(predictor, tmp_path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(predictor.model_dir, copy)
    model_file = next(p for p in copy.iterdir() if p.suffix == ".skops")
    data = bytearray(model_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model_file.write_bytes(bytes(data))
    app = create_app(Settings(model_dir=copy))
    with pytest.raises(ModelIntegrityError), TestClient(app):
        pass
    assert app.state.ready is False


def test_openapi_document_is_complete(small_app) -> None:
    _, client = small_app
    doc = client.get("/openapi.json").json()
    assert {"/v1/classify", "/v1/labels", "/v1/model", "/healthz", "/readyz", "/metrics"} <= set(doc["paths"])
    schemas = doc["components"]["schemas"]
    labelled = schemas["LabelledMessage"]
    assert list(labelled["properties"]) == CONTRACT_KEYS
    assert "explanation" not in labelled["required"]
    assert {"type": "null"} in labelled["properties"]["scores"]["anyOf"]
    for name in ("ClassifyRequest", "MessageIn", "ClassifyResponse", "LabelledMessage"):
        assert schemas[name]["examples"], name
    assert schemas["ClassifyRequest"]["additionalProperties"] is False
    classify = doc["paths"]["/v1/classify"]["post"]
    assert {"200", "401", "413", "422", "503"} <= set(classify["responses"])
