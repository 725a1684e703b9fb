"""POST /v1/classify through a real server: values, order, explanations, and the contract shape."""

from __future__ import annotations

import math

import pytest

from service.records import LABELS

from .helpers import classify

RECORD_KEYS = {
    "id", "conversation", "timestamp", "speaker", "kind", "text", "labels", "primary", "scores",
}  # fmt: skip


def test_classify_shape_and_values(http) -> None:
    body = {
        "messages": [
            {"text": "I miss you so much, can you call me tonight?", "id": "42", "speaker": "Sam"},
            {"text": "did you pay the electric bill?", "id": "43", "speaker": "Alex"},
        ]
    }
    response = http.post("/v1/classify", json=body)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-request-id"]
    data = response.json()
    assert set(data) == {"model", "results"}
    assert data["model"]["name"] == "attune-linear"
    assert data["model"]["version"]
    first, second = data["results"]
    for item, sent in zip(data["results"], body["messages"], strict=True):
        assert set(item) == RECORD_KEYS  # no explanation unless asked
        assert item["text"] == sent["text"]
        assert item["id"] == sent["id"]
        assert item["speaker"] == sent["speaker"]
        assert item["kind"] == "message"
        assert item["conversation"] is None and item["timestamp"] is None
        assert set(item["scores"]) == set(LABELS)
        assert all(0.0 <= v <= 1.0 for v in item["scores"].values())
        assert set(item["labels"]) <= set(LABELS)
        expected_primary = max(item["labels"], key=lambda lab: item["scores"][lab]) if item["labels"] else "none"
        assert item["primary"] == expected_primary
    assert "closeness_bid" in first["labels"]
    assert first["primary"] == "closeness_bid"
    assert second["labels"] == [] and second["primary"] == "none"


def test_results_keep_request_order(http) -> None:
    texts = [f"message number {i}: running {i} minutes late" for i in range(50)]
    texts[17] = "you ALWAYS disappear when I need you, you're so selfish"
    data = classify(http, *texts).json()
    assert [r["text"] for r in data["results"]] == texts
    assert "criticism" in data["results"][17]["labels"]


def test_same_text_same_result_in_any_batch(http) -> None:
    alone = classify(http, "I'm sorry, I overreacted").json()["results"][0]
    batch = classify(http, "lol", "I'm sorry, I overreacted", "k").json()["results"][1]
    assert alone == batch
    assert "repair_attempt" in alone["labels"]


def test_explanation_only_when_asked(http) -> None:
    text = "I miss you, can you call tonight?"
    plain = classify(http, text).json()["results"][0]
    explained = classify(http, text, explain=True).json()["results"][0]
    assert "explanation" not in plain
    assert set(explained["explanation"]) == {"cues", "spans", "bias"}
    assert {k: explained[k] for k in plain} == plain


@pytest.mark.parametrize(
    "text",
    [
        "I miss you, can you call tonight?",
        "you're so needy, it's suffocating. LEAVE ME ALONE",
        "truce? I'll make pancakes 🥞 I'm sorry, I overreacted",
        "ok see you at 6",
    ],
)
def test_explanation_spans_and_cues_index_the_text(http, text: str) -> None:
    item = classify(http, text, explain=True).json()["results"][0]
    explanation = item["explanation"]
    assert set(explanation["bias"]) == set(LABELS)
    assert explanation["spans"], "spans cover all four labels, so some always exist"
    for span in explanation["spans"]:
        assert span["label"] in LABELS
        assert 0 <= span["start"] < span["end"] <= len(text)
        assert text[span["start"] : span["end"]] == span["text"]
        assert math.isfinite(span["weight"])
    for cue in explanation["cues"]:
        assert cue["cue"][0] in "CDKR" and cue["cue"][1:].isdigit()
        assert cue["label"] in LABELS
        assert text[cue["start"] : cue["end"]] == cue["text"]
        assert cue["description"] and cue["source"]


def test_explained_cue_for_a_clear_bid(http) -> None:
    item = classify(http, "I miss you so much", explain=True).json()["results"][0]
    cues = {c["cue"] for c in item["explanation"]["cues"]}
    assert "C2" in cues


def _raw_scores(item: dict) -> dict[str, float]:
    explanation = item["explanation"]
    return {
        label: explanation["bias"][label] + sum(s["weight"] for s in explanation["spans"] if s["label"] == label)
        for label in LABELS
    }


def test_explanation_raw_scores_order_like_the_scores(http) -> None:
    """Weights plus bias give the raw score; calibration is monotone, so the order agrees."""
    strong, weak = classify(http, "I miss you so much, I feel so alone lately", "ok see you at 6", explain=True).json()[
        "results"
    ]
    raw_strong, raw_weak = _raw_scores(strong), _raw_scores(weak)
    assert raw_strong["closeness_bid"] > raw_weak["closeness_bid"]
    assert strong["scores"]["closeness_bid"] > weak["scores"]["closeness_bid"]
    assert strong["scores"]["closeness_bid"] >= 0.5 > weak["scores"]["closeness_bid"]


def test_optional_fields_may_be_null(http) -> None:
    response = http.post("/v1/classify", json={"messages": [{"text": "love you", "id": None, "speaker": None}]})
    assert response.status_code == 200
    item = response.json()["results"][0]
    assert item["id"] is None and item["speaker"] is None


def test_labels_endpoint_serves_the_taxonomy(http, repo_root) -> None:
    import json

    data = http.get("/v1/labels").json()
    on_disk = json.loads((repo_root / "data" / "taxonomy.json").read_text(encoding="utf-8"))
    assert data == on_disk
    assert [label["id"] for label in data["labels"]] == list(LABELS)
    cue_ids = {cue["id"] for label in data["labels"] for cue in label["cues"]}
    expected = {f"C{i}" for i in range(1, 9)} | {f"D{i}" for i in range(1, 9)}
    expected |= {f"K{i}" for i in range(1, 4)} | {f"R{i}" for i in range(1, 8)}
    assert cue_ids == expected


def test_model_endpoint_serves_the_card(http, predictor) -> None:
    data = http.get("/v1/model").json()
    assert data == predictor.card
    assert data["name"] == predictor.name and data["version"] == predictor.version


def test_health_and_readiness(http) -> None:
    assert http.get("/healthz").json() == {"status": "ok"}
    ready = http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert ready.json()["model"]["name"] == "attune-linear"


def test_api_matches_the_model_in_process(http, predictor) -> None:
    """The server's scores are the model's own: no second featurizer, no drift."""
    texts = ["can we take 20 minutes and talk when we're calmer?", "whatever."]
    served = classify(http, *texts).json()["results"]
    direct = predictor.classify(texts)
    for item, expected in zip(served, direct, strict=True):
        assert item["labels"] == expected["labels"]
        assert item["primary"] == expected["primary"]
        assert item["scores"] == pytest.approx(expected["scores"])


def test_contextual_model_served_with_exact_explanations(tmp_path, contextual_predictor) -> None:
    """`attune serve --model` with the opt-in contextual model: ready only after its encoder is
    checked, and its explanations add up like the default model's."""
    import httpx

    from service.paths import CONTEXTUAL_MODEL_NAME, MODELS_DIR

    from .conftest import start_server, stop_server

    model = MODELS_DIR / f"{CONTEXTUAL_MODEL_NAME}-1.0.0"
    server = start_server(tmp_path / "serve.log", "--model", str(model))
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            assert client.get("/v1/model").json()["encoder"]["model_onnx_sha256"]
            texts = ["I miss you so much, can you call me tonight?", "ok see you at 6", "sorry, I overreacted 🙏"]
            data = classify(client, *texts, explain=True).json()
    finally:
        stop_server(server)
    assert data["model"]["name"] == CONTEXTUAL_MODEL_NAME
    local = contextual_predictor.classify(texts, explain=True)
    for text, item, mine in zip(texts, data["results"], local, strict=True):
        ex = item["explanation"]
        assert item["scores"] == mine["scores"]
        for label in LABELS:
            total = ex["bias"][label] + sum(s["weight"] for s in ex["spans"] if s["label"] == label)
            assert math.isclose(total, mine["explanation"]["raw_scores"][label], abs_tol=1e-9)
        assert all(text[s["start"] : s["end"]] == s["text"] for s in ex["spans"])
    assert "closeness_bid" in data["results"][0]["labels"]
    assert data["results"][1]["labels"] == []
