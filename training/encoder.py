"""The contextual sentence encoder: all-MiniLM-L6-v2 as an int8 ONNX graph, run with onnxruntime.

A message's vector is the mean of its wordpiece token states, L2-normalised, as sentence-transformers
computes it. The mean is a sum over tokens, so a linear model's score on it splits over the tokens
exactly; each token carries the character span of the word it came from, for explanations.

Each message runs through the graph on its own. The int8 graph quantises activations with one scale
per input tensor, so batching messages together would make a message's vector depend on its
neighbours; alone, a message always gets the same vector. Messages of a batch run on a thread pool
instead (onnxruntime releases the GIL).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from service.paths import DATA_DIR
from training.vectors import read_vocab, verified_manifest
from training.wordpiece import WordPieceTokenizer, word_spans

DEFAULT_ENCODER_DIR = DATA_DIR / "vectors" / "minilm-l6-int8"
HASHED_FILES = ("model.onnx", "vocab.txt")
SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
# Threads for a batch of messages (one message per thread); the graph itself runs on one core.
THREADS_ENV = "ATTUNE_ENCODER_THREADS"


@dataclass(frozen=True, slots=True)
class TokenStates:
    """One message's token states, [CLS] first and [SEP] last, and each token's word span
    (`None` for [CLS] and [SEP], which stand for the whole message)."""

    states: np.ndarray  # (n_tokens, dim) float32
    spans: tuple[tuple[int, int] | None, ...]


class SentenceEncoder:
    """A verified encoder folder, loaded into an onnxruntime session. Safe to share across threads."""

    def __init__(self, session: Any, vocab: tuple[str, ...], manifest: dict[str, Any], threads: int) -> None:
        self._session = session
        self.manifest = manifest
        self.tokenizer = WordPieceTokenizer(vocab, added_tokens=tuple(manifest["special_tokens"]))
        self._cls = self.tokenizer.ids["[CLS]"]
        self._sep = self.tokenizer.ids["[SEP]"]
        self.max_tokens = int(manifest["max_tokens"])
        self.dim = int(manifest["dim"])
        self.sha256: str = manifest["sha256"]["model.onnx"]
        self.threads = threads

    @classmethod
    def load(cls, folder: Path = DEFAULT_ENCODER_DIR, *, threads: int | None = None) -> SentenceEncoder:
        """Check the folder's files against its manifest, then open the graph (no code is executed)."""
        import onnxruntime

        manifest = verified_manifest(folder, HASHED_FILES, "python -m training.encoder_build")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # warnings about the graph would go to stderr on every load
        session = onnxruntime.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
        return cls(session, read_vocab(folder / "vocab.txt"), manifest, threads or _default_threads())

    def pieces(self, text: str) -> tuple[list[int], list[tuple[int, int] | None]]:
        """Token ids with [CLS] and [SEP], truncated as sentence-transformers truncates, and their word spans."""
        ids: list[int] = [self._cls]
        spans: list[tuple[int, int] | None] = [None]
        room = self.max_tokens - 2
        for start, end in word_spans(text):
            for token_id in self.tokenizer.encode(text[start:end]):
                ids.append(token_id)
                spans.append((start, end))
            if len(ids) > room:
                break
        del ids[room + 1 :], spans[room + 1 :]
        ids.append(self._sep)
        spans.append(None)
        return ids, spans

    def token_states(self, texts: Sequence[str]) -> list[TokenStates]:
        """Each text's token states, in order."""
        if len(texts) <= 1 or self.threads <= 1:
            return [self._one(t) for t in texts]
        with ThreadPoolExecutor(max_workers=self.threads) as pool:
            return list(pool.map(self._one, texts, chunksize=32))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Mean-pooled, L2-normalised message vectors as float32, shape (len(texts), dim)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, item in enumerate(self.token_states(texts)):
            pooled = item.states.astype(np.float64).mean(axis=0)
            out[i] = pooled / np.linalg.norm(pooled)
        return out

    def _one(self, text: str) -> TokenStates:
        ids, spans = self.pieces(text)
        feed = {"input_ids": np.array([ids], dtype=np.int64), "attention_mask": np.ones((1, len(ids)), dtype=np.int64)}
        states = self._session.run(None, feed)[0][0]
        return TokenStates(states, tuple(spans))


def _default_threads() -> int:
    """`ATTUNE_ENCODER_THREADS` if set, else the CPUs this process may use."""
    env = os.environ.get(THREADS_ENV)
    if env:
        try:
            value = int(env)
        except ValueError:
            raise ValueError(f"{THREADS_ENV} must be a whole number of threads, got {env!r}") from None
        if value < 1:
            raise ValueError(f"{THREADS_ENV} must be at least 1, got {value}")
        return value
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
