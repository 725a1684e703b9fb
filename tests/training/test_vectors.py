"""The static vector table: integrity checks on load, and word vectors as means of wordpiece rows."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from training.vectors import DEFAULT_DIR, StaticVectors, VectorsIntegrityError

pytestmark = pytest.mark.skipif(
    not (DEFAULT_DIR / "manifest.json").is_file(),
    reason="data/vectors/minilm-l6-static is absent; build it with training.vectors_build",
)


@pytest.fixture(scope="module")
def vectors() -> StaticVectors:
    return StaticVectors.load(DEFAULT_DIR)


@pytest.fixture
def folder_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "vectors"
    shutil.copytree(DEFAULT_DIR, copy)
    return copy


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_shape_dtype_and_manifest(vectors: StaticVectors) -> None:
    assert vectors.dim == 128
    assert vectors.matrix.dtype == np.float16
    assert vectors.matrix.shape == (len(vectors.vocab), 128)
    assert not vectors.matrix.flags.writeable
    assert vectors.manifest["upstream_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert vectors.manifest["upstream_license"] == "Apache-2.0"
    assert np.isfinite(vectors.matrix).all()


def test_folder_stays_small() -> None:
    assert sum(p.stat().st_size for p in DEFAULT_DIR.iterdir()) < 10_000_000


def test_vocab_file_matches_reference_tokenizer_ids(vectors: StaticVectors) -> None:
    reference = json.loads((DEFAULT_DIR / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
    assert reference == {token: i for i, token in enumerate(vectors.vocab)}


def test_runtime_needs_no_build_dependencies(vectors: StaticVectors) -> None:
    vectors.word_vector("hello")
    assert not {"torch", "tokenizers", "model2vec"} & set(sys.modules)


def test_word_vector_is_mean_of_its_wordpiece_rows(vectors: StaticVectors) -> None:
    pieces = vectors.tokenizer.tokenize("unbelievably")
    assert len(pieces) > 1
    rows = vectors.matrix[[vectors.tokenizer.ids[p] for p in pieces]].astype(np.float32)
    np.testing.assert_allclose(vectors.word_vector("unbelievably"), rows.mean(axis=0), rtol=1e-6)
    assert vectors.word_vector("Unbelievably").dtype == np.float32


def test_word_vector_is_cached_and_read_only(vectors: StaticVectors) -> None:
    first = vectors.word_vector("sorry")
    assert vectors.word_vector("sorry") is first
    with pytest.raises(ValueError, match="read-only"):
        first[0] = 1.0


def test_unknown_word_is_zero(vectors: StaticVectors) -> None:
    assert vectors.tokenizer.tokenize("🫶") == ["[UNK]"]
    assert not vectors.word_vector("🫶").any()
    assert not vectors.word_vector("").any()


def test_related_words_are_closer(vectors: StaticVectors) -> None:
    love = vectors.word_vector("love")
    assert _cosine(love, vectors.word_vector("adore")) > _cosine(love, vectors.word_vector("invoice"))
    sorry = vectors.word_vector("sorry")
    assert _cosine(sorry, vectors.word_vector("apologize")) > _cosine(sorry, vectors.word_vector("spreadsheet"))


def test_text_vector_is_unit_length(vectors: StaticVectors) -> None:
    assert np.linalg.norm(vectors.text_vector("can we talk tonight?")) == pytest.approx(1.0, abs=1e-5)
    assert not vectors.text_vector("🫶🫶").any()


@pytest.mark.parametrize("name", ["vectors.npy", "vocab.txt"])
def test_tampered_file_is_rejected(folder_copy: Path, name: str) -> None:
    path = folder_copy / name
    data = bytearray(path.read_bytes())
    data[-2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(VectorsIntegrityError, match=re.escape(name)):
        StaticVectors.load(folder_copy)


def test_missing_manifest_is_a_clear_error(folder_copy: Path) -> None:
    (folder_copy / "manifest.json").unlink()
    with pytest.raises(FileNotFoundError, match=r"training\.vectors_build"):
        StaticVectors.load(folder_copy)
