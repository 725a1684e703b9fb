"""Static word vectors distilled from all-MiniLM-L6-v2, looked up with numpy and a pure-Python tokenizer.

The table in `data/vectors/minilm-l6-static/` is built once by `training.vectors_build` (which needs torch);
this module only reads it, so serving and tests need nothing beyond numpy. A word's vector is the mean of
its wordpiece rows, which is what model2vec's `StaticModel.encode` computes for a one-word input before it
normalises; we leave it unnormalised because the rows' norms carry the SIF down-weighting of frequent
tokens, which a caller summing words into a message vector should keep (normalise the sum instead).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from service.artifact import sha256_of as sha256_file
from training.wordpiece import ADDED_TOKENS, UNK, WordPieceTokenizer

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "data" / "vectors" / "minilm-l6-static"
HASHED_FILES = ("vectors.npy", "vocab.txt")
WORD_CACHE_SIZE = 65536


class VectorsIntegrityError(ValueError):
    """The vector folder does not match its manifest (a file was changed, truncated or swapped)."""


def verified_manifest(folder: Path, hashed_files: tuple[str, ...], rebuild: str) -> dict[str, Any]:
    """A built folder's `manifest.json`, once every file it lists (and each of `hashed_files`) matches
    its sha256; `rebuild` is the command named in the errors."""
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise FileNotFoundError(f"{manifest_path} not found; build the folder with `{rebuild}`")
    manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
    expected: dict[str, str] = manifest["sha256"]
    for name in hashed_files:
        if name not in expected:
            raise VectorsIntegrityError(f"{manifest_path} lists no sha256 for {name}")
    for name, want in expected.items():
        got = sha256_file(folder / name)
        if got != want:
            raise VectorsIntegrityError(
                f"{folder / name}: sha256 {got} does not match {want} in manifest.json; "
                f"restore the file or rebuild the folder with `{rebuild}`"
            )
    return manifest


def read_vocab(path: Path) -> tuple[str, ...]:
    """A `vocab.txt`: one token per line, the line number is the id."""
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return tuple(lines)


class StaticVectors:
    """A read-only token-vector table plus the tokenizer whose ids index it."""

    def __init__(self, *, vocab: tuple[str, ...], matrix: np.ndarray, manifest: dict[str, Any]) -> None:
        if matrix.ndim != 2 or matrix.shape[0] != len(vocab):
            raise ValueError(f"matrix shape {matrix.shape} does not fit a vocabulary of {len(vocab)} tokens")
        self.vocab = vocab
        self.matrix = matrix
        self.manifest = manifest
        self.tokenizer = WordPieceTokenizer(vocab, added_tokens=manifest.get("added_tokens", ADDED_TOKENS))
        self._unk_id = self.tokenizer.ids[UNK]
        # Per-instance cache: an lru_cache on the method itself would keep every instance alive.
        self._cached_word_vector: Callable[[str], np.ndarray] = lru_cache(maxsize=WORD_CACHE_SIZE)(self._word_vector)

    @classmethod
    def load(cls, folder: Path = DEFAULT_DIR) -> StaticVectors:
        """Load a folder written by `training.vectors_build`, after checking its files against the manifest."""
        manifest = verified_manifest(folder, HASHED_FILES, "python -m training.vectors_build")
        matrix = np.load(folder / "vectors.npy", allow_pickle=False)
        matrix.setflags(write=False)
        found, want = f"{matrix.dtype}{list(matrix.shape)}", f"{manifest['dtype']}{manifest['shape']}"
        if found != want:
            raise VectorsIntegrityError(f"vectors.npy is {found}, manifest.json says {want}")
        return cls(vocab=read_vocab(folder / "vocab.txt"), matrix=matrix, manifest=manifest)

    @property
    def dim(self) -> int:
        """Number of dimensions per vector."""
        return int(self.matrix.shape[1])

    def token_ids(self, text: str) -> list[int]:
        """Vocabulary ids of `text`'s wordpieces, without [UNK] (model2vec drops it too)."""
        return [i for i in self.tokenizer.encode(text) if i != self._unk_id]

    def word_vector(self, word: str) -> np.ndarray:
        """Mean of the word's wordpiece rows as read-only float32; zeros if every piece is unknown."""
        return self._cached_word_vector(word)

    def _word_vector(self, word: str) -> np.ndarray:
        """Uncached `word_vector`."""
        vector = self._mean_rows(self.token_ids(word))
        vector.setflags(write=False)  # shared through the cache, so callers must not modify it
        return vector

    def text_vector(self, text: str, *, normalize: bool = True) -> np.ndarray:
        """Mean of all of `text`'s wordpiece rows, as model2vec's `StaticModel.encode` computes it."""
        vector = self._mean_rows(self.token_ids(text))
        if normalize:
            vector /= np.linalg.norm(vector) + 1e-32
        return vector

    def _mean_rows(self, ids: list[int]) -> np.ndarray:
        """Float32 mean of the given rows (accumulated in float32, not float16), or zeros for none."""
        if not ids:
            return np.zeros(self.dim, dtype=np.float32)
        return self.matrix[ids].astype(np.float32).mean(axis=0)
