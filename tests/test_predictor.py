"""The served model: contract shape, exact explanations, and integrity checks on load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from service import artifact
from service.errors import ModelIntegrityError, ModelNotFoundError
from service.predictor import Predictor
from service.records import LABELS
from training.text import ANALYSIS_VERSION

TEXTS = [
    "I miss you, can you call tonight?",
    "ok see you at 6",
    "you ALWAYS disappear when I need you",
    "I need space but I love you and I'm not leaving",
    "sorry I yelled at you, I overreacted",
    "LEAVE ME ALONE",
    "😍😍 gud mrng dear",
    "שלום, מה שלומך?",
    "e\u0301te\u0301 \U0001f600",
]


@pytest.fixture(params=["predictor", "contextual_predictor"])
def each_predictor(request: pytest.FixtureRequest) -> Predictor:
    """The default model, then the contextual one: both must keep the same promises."""
    return request.getfixturevalue(request.param)


def test_results_follow_the_contract(each_predictor: Predictor) -> None:
    predictor = each_predictor
    results = predictor.classify(TEXTS)
    assert len(results) == len(TEXTS)
    for r in results:
        assert set(r) == {"labels", "primary", "scores"}
        assert set(r["scores"]) == set(LABELS)
        assert all(0.0 <= p <= 1.0 for p in r["scores"].values())
        assert set(r["labels"]) <= set(LABELS)
        for j, label in enumerate(LABELS):
            assert (label in r["labels"]) == (r["scores"][label] >= predictor.thresholds[j] - 5e-5)
        assert (r["primary"] == "none") == (not r["labels"])
        assert r["primary"] == "none" or r["primary"] in r["labels"]


def test_explanations_add_up_exactly(each_predictor: Predictor) -> None:
    predictor = each_predictor
    plain = predictor.classify(TEXTS)
    explained = predictor.classify(TEXTS, explain=True)
    for text, p, e in zip(TEXTS, plain, explained, strict=True):
        assert p["labels"] == e["labels"] and p["scores"] == e["scores"]
        ex = e["explanation"]
        for label in LABELS:
            total = ex["bias"][label] + sum(s["weight"] for s in ex["spans"] if s["label"] == label)
            assert total == pytest.approx(ex["raw_scores"][label], abs=1e-9)
        for item in ex["spans"] + ex["cues"]:
            assert text[item["start"]:item["end"]] == item["text"]
        for cue in ex["cues"]:
            assert cue["description"] and cue["source"]


def test_raw_scores_match_the_model(each_predictor: Predictor) -> None:
    predictor = each_predictor
    ex = predictor.classify(TEXTS[:3], explain=True)
    raw = predictor.classifier.decision_function(predictor.featurizer.transform(TEXTS[:3]))
    for e, row in zip(ex, raw, strict=True):
        assert [e["explanation"]["raw_scores"][lab] for lab in LABELS] == pytest.approx(list(row), abs=1e-9)


def test_contextual_model_names_the_encoder_it_checks(contextual_predictor: Predictor) -> None:
    from training.encoder import SentenceEncoder

    card = contextual_predictor.card
    assert card["name"] == "attune-contextual"
    assert card["encoder"]["model_onnx_sha256"] == contextual_predictor.featurizer.encoder_sha256_
    assert card["encoder"]["model_onnx_sha256"] == SentenceEncoder.load().sha256


def test_spans_explain_both_ways(predictor: Predictor) -> None:
    ex = predictor.classify(["you ALWAYS disappear when I need you"], explain=True)[0]["explanation"]
    labels_with_spans = {s["label"] for s in ex["spans"]}
    assert labels_with_spans == set(LABELS)
    assert any(s["weight"] < 0 for s in ex["spans"]) and any(s["weight"] > 0 for s in ex["spans"])


def test_negated_cue_is_not_cited(predictor: Predictor) -> None:
    ex = predictor.classify(["I don't need space"], explain=True)[0]["explanation"]
    assert "D1" not in {c["cue"] for c in ex["cues"]}


def test_empty_batch(predictor: Predictor) -> None:
    assert predictor.classify([]) == []


def test_tampered_model_is_refused(predictor: Predictor, tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(predictor.model_dir, copy)
    with (copy / "model.skops").open("ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelIntegrityError):
        Predictor.load(copy)


def test_card_hash_mismatch_is_refused(predictor: Predictor, tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(predictor.model_dir, copy)
    card = json.loads((copy / "model_card.json").read_text())
    card["model_sha256"] = "0" * 64
    (copy / "model_card.json").write_text(json.dumps(card))
    with pytest.raises(ModelIntegrityError):
        Predictor.load(copy)


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="no model is built"):
        Predictor.load(tmp_path)


def test_model_built_under_another_text_analysis_is_refused(predictor: Predictor, tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(predictor.model_dir, copy)
    pipeline = artifact.load(copy / "model.skops", expected_sha256=predictor.card["model_sha256"])
    pipeline[0].analysis_version_ = ANALYSIS_VERSION - 1
    card = json.loads((copy / "model_card.json").read_text())
    card["model_sha256"] = artifact.save(pipeline, copy / "model.skops")
    (copy / "model_card.json").write_text(json.dumps(card))
    with pytest.raises(ModelIntegrityError, match=f"analysis version {ANALYSIS_VERSION - 1};.*attune train"):
        Predictor.load(copy)


def test_contextual_model_without_its_encoder_is_refused_at_load(
    contextual_predictor: Predictor, tmp_path: Path
) -> None:
    """A moved or changed encoder folder is a load error with the folder named, not a crash at the
    first message."""
    from training.encoder import DEFAULT_ENCODER_DIR
    from training.features import _load_encoder

    copy = tmp_path / "model"
    shutil.copytree(contextual_predictor.model_dir, copy)
    encoder = tmp_path / "encoder"
    shutil.copytree(DEFAULT_ENCODER_DIR, encoder)
    pipeline = artifact.load(copy / "model.skops", expected_sha256=contextual_predictor.card["model_sha256"])
    pipeline[0].encoder = str(encoder)
    card = json.loads((copy / "model_card.json").read_text())
    card["model_sha256"] = artifact.save(pipeline, copy / "model.skops")
    (copy / "model_card.json").write_text(json.dumps(card))
    assert Predictor.load(copy).classify(["miss you"])[0]["labels"] == contextual_predictor.classify(["miss you"])[0][
        "labels"
    ]
    (encoder / "model.onnx").write_bytes(b"not a graph")
    _load_encoder.cache_clear()  # a process verifies a folder once, when it first loads it
    with pytest.raises(ModelIntegrityError, match=r"model\.onnx: sha256"):
        Predictor.load(copy)
    shutil.rmtree(encoder)
    _load_encoder.cache_clear()
    with pytest.raises(ModelIntegrityError, match=r"manifest\.json not found"):
        Predictor.load(copy)
