"""The int8 sentence encoder: pinned to the original model's vectors, hash-checked, deterministic."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from training.encoder import DEFAULT_ENCODER_DIR, SentenceEncoder, _default_threads
from training.vectors import VectorsIntegrityError

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "minilm_reference.jsonl"


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder.load()


def _reference() -> list[dict]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]


def test_vectors_match_sentence_transformers(encoder: SentenceEncoder) -> None:
    """Reference vectors came from the float32 original (`training.encoder_build fixture`); int8
    weights cost a little: over 2,000 corpus messages the cosine was 0.967 at worst, 0.991 on average."""
    rows = _reference()
    ours = encoder.encode([r["text"] for r in rows])
    theirs = np.array([r["vector"] for r in rows])
    cosine = (ours * theirs).sum(axis=1) / np.linalg.norm(theirs, axis=1)
    assert cosine.min() > 0.96, cosine
    assert cosine.mean() > 0.98, cosine
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, rtol=1e-5)


def test_a_message_gets_the_same_vector_alone_or_in_a_batch(encoder: SentenceEncoder) -> None:
    texts = [r["text"] for r in _reference()]
    together = encoder.encode(texts)
    alone = np.stack([encoder.encode([t])[0] for t in texts])
    assert np.array_equal(together, alone)
    assert np.array_equal(encoder.encode(texts[::-1])[::-1], together)


def test_pieces_carry_the_span_of_their_word(encoder: SentenceEncoder) -> None:
    text = "Thé café  was closed… again!!"
    ids, spans = encoder.pieces(text)
    assert ids[0] == encoder.tokenizer.ids["[CLS]"] and ids[-1] == encoder.tokenizer.ids["[SEP]"]
    assert spans[0] is None and spans[-1] is None
    words = {text[s:e] for s, e in (sp for sp in spans if sp is not None)}
    assert words == {"Thé", "café", "was", "closed…", "again!!"}
    assert ids[1:-1] == encoder.tokenizer.encode(text)  # tokenizing word by word changes nothing


def test_long_messages_are_truncated_like_sentence_transformers(encoder: SentenceEncoder) -> None:
    ids, spans = encoder.pieces("word " * 1000)
    assert len(ids) == len(spans) == encoder.max_tokens == 256
    assert ids[-1] == encoder.tokenizer.ids["[SEP]"]
    assert encoder.encode(["word " * 1000]).shape == (1, encoder.dim)


def test_empty_and_odd_texts_still_encode(encoder: SentenceEncoder) -> None:
    texts = ["", "   ", "\u200b", "\ud83d", "مرحبا", "\x00\x85"]
    vectors = encoder.encode(texts)
    assert np.isfinite(vectors).all() and vectors.shape == (len(texts), encoder.dim)


def test_a_changed_file_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "enc"
    shutil.copytree(DEFAULT_ENCODER_DIR, copy)
    with (copy / "vocab.txt").open("a", encoding="utf-8") as f:
        f.write("extra\n")
    with pytest.raises(VectorsIntegrityError, match=r"vocab\.txt"):
        SentenceEncoder.load(copy)


def test_thread_setting_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATTUNE_ENCODER_THREADS", "3")
    assert _default_threads() == 3
    for bad in ("0", "two"):
        monkeypatch.setenv("ATTUNE_ENCODER_THREADS", bad)
        with pytest.raises(ValueError, match="ATTUNE_ENCODER_THREADS"):
            _default_threads()
