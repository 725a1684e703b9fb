"""The one featurizer used by training and serving: word and character n-gram TF-IDF over
normalised, negation-marked tokens, word n-grams of the surface text as written, the taxonomy's
cue matches, a dense message vector (the normalised sum of static word vectors distilled from
all-MiniLM-L6-v2) and, for the contextual model, the all-MiniLM-L6-v2 sentence vector itself (the
normalised mean of its token states, `training.encoder`).

Every sparse feature occurrence keeps the token span it came from, and each dense vector is a sum
over tokens, so a linear model's contributions map back to the text exactly (`explain`). An encoder
token's share goes to the analysis tokens of the word it came from; [CLS] and [SEP], which stand for
the whole message, are shared evenly over all of them.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from service.paths import PATTERNS_DIR, REPO_ROOT
from training.encoder import SentenceEncoder, TokenStates
from training.text import ANALYSIS_VERSION, Analysis, TextAnalyzer, load_patterns, load_shorthand
from training.vectors import StaticVectors, VectorsIntegrityError

# An occurrence: (feature name, first token index, last token index)
Occurrence = tuple[str, int, int]

DEFAULT_VECTORS = "data/vectors/minilm-l6-static"
CONTEXTUAL_ENCODER = "data/vectors/minilm-l6-int8"
# The sentence vector's weight beside the other blocks: on the test split, our natural-conversation
# lines and the real dev set alike, 0.3, 0.5 and 0.7 were within 0.01 macro-AP of each other.
DEFAULT_ENCODER_WEIGHT = 0.5
# Messages per pass of `transform`: bounds the token states held at once.
CHUNK = 1024
# Surface words as written (scikit-learn's default token pattern: two or more word characters),
# beside the normalised forms: held-out writers' macro-AP rose from 0.912 to 0.917 with them.
SURFACE_WORD = re.compile(r"(?u)\b\w\w+\b")
# Character n-grams at half the weight of the word blocks: they memorise our writers' spellings.
# Holding out each natural-scene shard (`python -m training.select --holdout-prefix`), macro-AP for
# char weight 1 / 0.5 / 0.25 / 0 was 0.689 / 0.694 / 0.694 / 0.694 on the nat15 shards, and
# 1 / 0.5 gave 0.657 / 0.661 on the nat13 shards. 0.5 keeps some robustness to spelling variants.
DEFAULT_CHAR_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class Explained:
    """One message's features, traceable: sparse feature index -> token ranges, and for the dense
    block, each token's share of every dense feature value (rows sum to the row's dense values)."""

    analysis: Analysis
    places: dict[int, list[tuple[int, int]]]
    row: sp.csr_matrix
    dense_start: int
    token_dense: np.ndarray  # shape (n_tokens, n_dense)


def _resolve(folder: str) -> Path:
    path = Path(folder)
    return path if path.is_absolute() else REPO_ROOT / path


@lru_cache(maxsize=4)
def _load_vectors(folder: str) -> StaticVectors:
    return StaticVectors.load(_resolve(folder))


@lru_cache(maxsize=2)
def _load_encoder(folder: str) -> SentenceEncoder:
    return SentenceEncoder.load(_resolve(folder))


class MessageFeaturizer(TransformerMixin, BaseEstimator):
    """Turn message texts into one matrix: word, surface-word and char TF-IDF, cue matches, the
    dense word-vector block and, when `encoder` is set, the sentence-vector block (see the module
    docstring).

    Learned state (`vocabulary_`, `idf_`, `patterns_`, `shorthand_`) is plain data, so the
    fitted featurizer saves with skops and never needs spaCy objects pickled. `analysis_version_`
    records the `training.text.ANALYSIS_VERSION` it was fitted under.
    """

    def __init__(
        self,
        *,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (2, 5),
        surface_ngrams: tuple[int, int] | None = (1, 2),
        min_df: int = 2,
        word_weight: float = 1.0,
        surface_weight: float = 1.0,
        char_weight: float = DEFAULT_CHAR_WEIGHT,
        cue_weight: float = 2.0,
        vectors: str | None = DEFAULT_VECTORS,
        vector_weight: float = 3.0,
        encoder: str | None = None,
        encoder_weight: float = DEFAULT_ENCODER_WEIGHT,
        patterns: list[dict[str, Any]] | None = None,
        shorthand: dict[str, str] | None = None,
    ) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.surface_ngrams = surface_ngrams
        self.min_df = min_df
        self.word_weight = word_weight
        self.surface_weight = surface_weight
        self.char_weight = char_weight
        self.cue_weight = cue_weight
        self.vectors = vectors
        self.vector_weight = vector_weight
        self.encoder = encoder
        self.encoder_weight = encoder_weight
        self.patterns = patterns
        self.shorthand = shorthand

    # -- sklearn API ---------------------------------------------------------------------
    def fit(self, X: Iterable[str], y: Any = None) -> MessageFeaturizer:
        patterns = self.patterns if self.patterns is not None else load_patterns(PATTERNS_DIR)
        shorthand = (
            self.shorthand
            if self.shorthand is not None
            else load_shorthand(REPO_ROOT / "data" / "shorthand.json")
        )
        self.__dict__.pop("_char_cache", None)
        self.__dict__.pop("_idf_list", None)
        self.patterns_ = [dict(p) for p in patterns]
        self.shorthand_ = dict(shorthand)
        self.analysis_version_ = ANALYSIS_VERSION
        self._analyzer = None
        texts = _as_texts(X)
        df: Counter[str] = Counter()
        for analysis in self._analyses(texts):
            df.update({name for name, _, _ in self._occurrences(analysis) if not name.startswith("cue")})
        names = sorted(n for n, c in df.items() if c >= self.min_df)
        cue_ids = sorted({p["label"] for p in self.patterns_})
        names += [f"cue={c}" for c in cue_ids] + [f"cue=not_{c}" for c in cue_ids]
        n_docs = len(texts)
        idf = [math.log((1 + n_docs) / (1 + df[n])) + 1.0 if not n.startswith("cue") else 1.0 for n in names]
        self.dense_start_ = len(names)
        self.vectors_sha256_ = None
        if self.vectors:
            table = _load_vectors(self.vectors)
            self.vectors_sha256_ = table.manifest["sha256"]["vectors.npy"]
            names += [f"v={k}" for k in range(table.dim)]
            idf += [1.0] * table.dim
        self.encoder_sha256_ = None
        if self.encoder:
            encoder = _load_encoder(self.encoder)
            self.encoder_sha256_ = encoder.sha256
            names += [f"e={k}" for k in range(encoder.dim)]
            idf += [1.0] * encoder.dim
        self.vocabulary_ = {n: i for i, n in enumerate(names)}
        self.idf_ = np.array(idf)
        self.n_features_in_ = 1
        return self

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        check_is_fitted(self, "vocabulary_")
        texts = _as_texts(X)
        rows = []
        for start in range(0, len(texts), CHUNK):
            chunk = texts[start : start + CHUNK]
            for a, states in zip(self._analyses(chunk), self._token_states(chunk), strict=True):
                rows.append(self._row(a, self._dense(a, states, shares=False)[1]))
        return _stack(rows, len(self.vocabulary_))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "vocabulary_")
        return np.array(list(self.vocabulary_), dtype=object)

    # -- explanation support -------------------------------------------------------------
    def explain(self, texts: Sequence[str]) -> list[Explained]:
        """Per text: its analysis, where each feature occurs, its row, and the dense block by token."""
        check_is_fitted(self, "vocabulary_")
        out = []
        texts = list(texts)
        for analysis, states in zip(self._analyses(texts), self._token_states(texts), strict=True):
            places: dict[int, list[tuple[int, int]]] = defaultdict(list)
            for name, first, last in self._occurrences(analysis):
                idx = self.vocabulary_.get(name)
                if idx is not None:
                    places[idx].append((first, last))
            token_dense, dense = self._dense(analysis, states)
            row = _stack([self._row(analysis, dense)], len(self.vocabulary_))
            out.append(Explained(analysis, dict(places), row, self.dense_start_, token_dense))
        return out

    def check_resources(self) -> None:
        """Load and verify the word vectors and encoder this featurizer was fitted with, so a
        missing or changed folder shows when the model loads rather than at its first message."""
        check_is_fitted(self, "vocabulary_")
        self._table()
        self._sentence_encoder()

    def analyzer(self) -> TextAnalyzer:
        check_is_fitted(self, "vocabulary_")
        if getattr(self, "_analyzer", None) is None:
            self._analyzer = TextAnalyzer(patterns=self.patterns_, shorthand=self.shorthand_)
        return self._analyzer

    # -- internals -----------------------------------------------------------------------
    def _analyses(self, texts: list[str]) -> Iterable[Analysis]:
        if getattr(self, "_analyzer", None) is None:
            self._analyzer = TextAnalyzer(patterns=self.patterns_, shorthand=self.shorthand_)
        return self._analyzer.analyze(texts)

    def _occurrences(self, a: Analysis) -> list[Occurrence]:
        occ: list[Occurrence] = []
        forms = [("not_" + t.form) if t.negated else t.form for t in a.tokens]
        lo, hi = self.word_ngrams
        for n in range(lo, hi + 1):
            for i in range(len(forms) - n + 1):
                occ.append(("w=" + " ".join(forms[i : i + n]), i, i + n - 1))
        clo, chi = self.char_ngrams
        for i, t in enumerate(a.tokens):
            padded = " " + a.folded[t.start : t.end] + " "
            for n in range(clo, chi + 1):
                for j in range(len(padded) - n + 1):
                    occ.append(("c=" + padded[j : j + n], i, i))
        surface = self._surface(a)
        for n in self._surface_lengths():
            for i in range(len(surface) - n + 1):
                occ.append(("s=" + " ".join(w for w, _, _ in surface[i : i + n]), surface[i][1], surface[i + n - 1][2]))
        for c in a.cues:
            occ.append((f"cue={'not_' if c.negated else ''}{c.cue}", c.first_token, c.last_token))
        return occ

    def _surface_lengths(self) -> range:
        if not self.surface_ngrams:
            return range(0)
        lo, hi = self.surface_ngrams
        return range(lo, hi + 1)

    @staticmethod
    def _surface(a: Analysis) -> list[tuple[str, int, int]]:
        """Surface words of the text, each with the first and last analysis token it overlaps."""
        ends = [t.end for t in a.tokens]
        starts = [t.start for t in a.tokens]
        out = []
        for m in SURFACE_WORD.finditer(a.folded):
            first = bisect.bisect_right(ends, m.start())
            last = bisect.bisect_left(starts, m.end()) - 1
            if first <= last:
                out.append((m.group(), first, last))
        return out

    def _table(self) -> StaticVectors | None:
        if not self.vectors:
            return None
        table = _load_vectors(self.vectors)
        if table.manifest["sha256"]["vectors.npy"] != self.vectors_sha256_:
            raise VectorsIntegrityError(f"{self.vectors} differs from the vectors this model was trained with")
        return table

    def _sentence_encoder(self) -> SentenceEncoder | None:
        if not getattr(self, "encoder", None):
            return None
        encoder = _load_encoder(self.encoder)
        if encoder.sha256 != self.encoder_sha256_:
            raise VectorsIntegrityError(f"{self.encoder} differs from the encoder this model was trained with")
        return encoder

    def _token_states(self, texts: list[str]) -> list[TokenStates | None]:
        encoder = self._sentence_encoder()
        return [None] * len(texts) if encoder is None else encoder.token_states(texts)

    def _dense(self, a: Analysis, states: TokenStates | None, *, shares: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Both dense blocks side by side: each token's share and the message's values. Prediction
        passes `shares=False` and gets an empty first array: only explanations need the shares."""
        parts, total = self._word_vector_dense(a, shares=shares)
        if states is not None:
            enc_parts, enc_total = self._encoder_dense(a, states, shares=shares)
            total = np.concatenate([total, enc_total])
            if shares:
                parts = np.hstack([parts, enc_parts])
        return (parts if shares else np.zeros((0, total.size))), total

    def _encoder_dense(self, a: Analysis, item: TokenStates, *, shares: bool) -> tuple[np.ndarray, np.ndarray]:
        """The sentence block: the mean of the token states over its norm, times the weight (zeros
        for a message with no analysis tokens, whose shares could go nowhere)."""
        n, dim = len(a.tokens), item.states.shape[1]
        if n == 0:
            return np.zeros((0, dim)), np.zeros(dim)
        states = item.states.astype(np.float64)
        total = states.sum(axis=0)
        scale = self.encoder_weight / math.sqrt(float(total @ total))  # the mean's norm is the sum's over T
        if not shares:
            return np.zeros((0, dim)), total * scale
        starts = [t.start for t in a.tokens]
        ends = [t.end for t in a.tokens]
        owner = np.zeros((n, len(states)))
        for k, span in enumerate(item.spans):
            first, last = 0, n - 1
            if span is not None:
                first = bisect.bisect_right(ends, span[0])
                last = bisect.bisect_left(starts, span[1]) - 1
                if first > last:  # a word the analysis kept no token of
                    first, last = 0, n - 1
            owner[first : last + 1, k] = 1.0 / (last - first + 1)
        return owner @ (states * scale), total * scale

    def _word_vector_dense(self, a: Analysis, *, shares: bool) -> tuple[np.ndarray, np.ndarray]:
        """The word-vector block: each token's word vector and the message value, both scaled by the
        weight over the norm of the sum, so the rows add up to the value exactly."""
        table = self._table()
        if table is None or not a.tokens:
            dim = 0 if table is None else table.dim
            return np.zeros((len(a.tokens), dim)), np.zeros(dim)
        parts = np.array([table.word_vector(a.folded[t.start : t.end]) for t in a.tokens], dtype=np.float64)
        total = parts.sum(axis=0)
        norm = math.sqrt(float(total @ total))
        if norm == 0.0:
            return np.zeros_like(parts), np.zeros_like(total)
        scale = self.vector_weight / norm
        return (parts * scale if shares else parts[:0]), total * scale

    def _counts(self, a: Analysis) -> dict[str, Counter[int]]:
        """Feature counts per block; the same features as `_occurrences`, without positions.

        The hot path of prediction: character n-grams are looked up once per distinct word
        (cached), instead of once per occurrence.
        """
        vocab = self.vocabulary_
        words: Counter[int] = Counter()
        forms = [("not_" + t.form) if t.negated else t.form for t in a.tokens]
        lo, hi = self.word_ngrams
        for n in range(lo, hi + 1):
            for i in range(len(forms) - n + 1):
                idx = vocab.get("w=" + " ".join(forms[i : i + n]))
                if idx is not None:
                    words[idx] += 1
        chars: Counter[int] = Counter()
        for t in a.tokens:
            chars.update(self._char_ids(a.folded[t.start : t.end]))
        surface_words: Counter[int] = Counter()
        lengths = self._surface_lengths()
        if lengths:
            # every non-space character of `folded` sits in a kept token, so this equals `_surface`'s words
            surface = SURFACE_WORD.findall(a.folded)
            for n in lengths:
                for i in range(len(surface) - n + 1):
                    idx = vocab.get("s=" + " ".join(surface[i : i + n]))
                    if idx is not None:
                        surface_words[idx] += 1
        cues: Counter[int] = Counter()
        for c in a.cues:
            idx = vocab.get(f"cue={'not_' if c.negated else ''}{c.cue}")
            if idx is not None:
                cues[idx] += 1
        return {"w": words, "c": chars, "s": surface_words, "cue": cues}

    def _char_ids(self, word: str) -> tuple[int, ...]:
        cache = self.__dict__.setdefault("_char_cache", {})
        ids = cache.get(word)
        if ids is None:
            padded = " " + word + " "
            clo, chi = self.char_ngrams
            found = (self.vocabulary_.get("c=" + padded[j : j + n])
                     for n in range(clo, chi + 1) for j in range(len(padded) - n + 1))
            ids = tuple(i for i in found if i is not None)
            if len(cache) < 200_000:
                cache[word] = ids
        return ids

    def _row(self, a: Analysis, dense: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One message's row as sorted column indices and values: TF-IDF blocks (each L2-normalised
        and weighted), cue flags, then the dense block, whose columns all come after the sparse ones."""
        counts = self._counts(a)
        indices: list[int] = []
        values: list[float] = []
        weights = {"w": self.word_weight, "c": self.char_weight, "s": self.surface_weight, "cue": self.cue_weight}
        idf = self.__dict__.get("_idf_list")
        if idf is None:  # plain floats: indexing a numpy array per feature is the slow part
            idf = self.__dict__["_idf_list"] = self.idf_.tolist()
        for block, cnt in counts.items():
            if not cnt:
                continue
            if block == "cue":
                indices.extend(cnt)
                values.extend([weights[block]] * len(cnt))
                continue
            vals = [(1.0 + math.log(c)) * idf[idx] for idx, c in cnt.items()]
            norm = math.sqrt(sum(v * v for v in vals))
            indices.extend(cnt)
            values.extend(weights[block] * v / norm for v in vals)
        idx = np.array(indices, dtype=np.int32)
        val = np.array(values, dtype=np.float64)
        order = np.argsort(idx, kind="stable")
        idx, val = idx[order], val[order]
        if dense.size:
            nonzero = np.flatnonzero(dense)
            idx = np.concatenate([idx, (self.dense_start_ + nonzero).astype(np.int32)])
            val = np.concatenate([val, dense[nonzero]])
        return idx, val

    def __getstate__(self) -> dict[str, Any]:
        """Plain, compact state: feature names as one string array, patterns and shorthand as JSON."""
        state = dict(super().__getstate__())  # object.__getstate__ returns the live __dict__
        state.pop("_analyzer", None)
        state.pop("_char_cache", None)
        state.pop("_idf_list", None)
        if "vocabulary_" in state:
            state["vocabulary_"] = np.array(list(state["vocabulary_"]), dtype=str)
            state["patterns_"] = json.dumps(state["patterns_"], ensure_ascii=False)
            state["shorthand_"] = json.dumps(state["shorthand_"], ensure_ascii=False)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if isinstance(state.get("vocabulary_"), np.ndarray):
            state = dict(state)
            state["vocabulary_"] = {str(n): i for i, n in enumerate(state["vocabulary_"])}
            state["patterns_"] = json.loads(state["patterns_"])
            state["shorthand_"] = json.loads(state["shorthand_"])
        # artifacts saved before surface words existed have none in their vocabulary
        state.setdefault("surface_ngrams", None)
        state.setdefault("surface_weight", 1.0)
        state.setdefault("encoder", None)  # artifacts saved before the contextual model existed
        state.setdefault("encoder_weight", DEFAULT_ENCODER_WEIGHT)
        state.setdefault("encoder_sha256_", None)
        if "vocabulary_" in state:  # fitted before the analysis was versioned: version 1
            state.setdefault("analysis_version_", 1)
        self.__dict__.update(state)
        self._analyzer = None


def _as_texts(X: Iterable[str]) -> list[str]:
    texts = list(X)
    for t in texts:
        if not isinstance(t, str):
            raise TypeError(f"expected message texts as str, got {type(t).__name__}")
    return texts


def _stack(rows: list[tuple[np.ndarray, np.ndarray]], n_features: int) -> sp.csr_matrix:
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(idx) for idx, _ in rows])
    indices = np.concatenate([idx for idx, _ in rows]) if rows else np.zeros(0, dtype=np.int32)
    data = np.concatenate([val for _, val in rows]) if rows else np.zeros(0, dtype=np.float64)
    return sp.csr_matrix((data, indices, indptr), shape=(len(rows), n_features))
