"""Load a built model (hash-checked, no code execution) and classify messages with it.

`Predictor.classify(texts, explain=...)` returns one dict per text, in order:
    {"labels": [...], "primary": "closeness_bid" | ... | "none",
     "scores": {label: calibrated probability, for all four labels},
     "explanation": {"cues": [...], "spans": [...], "bias": {...}}}   # only when explain=True
The explanation follows ../shared/CONTRACT.md: span weights of one label plus its bias add up to
that label's raw score (log-odds), exactly, because the model is linear.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from service import artifact
from service.errors import ModelIntegrityError, ModelNotFoundError
from service.paths import TAXONOMY_PATH, default_model_dir
from service.records import LABELS
from training.text import ANALYSIS_VERSION


@dataclass(frozen=True, slots=True)
class CueInfo:
    label: str
    description: str
    source: str


def load_cue_info(taxonomy_path: Path = TAXONOMY_PATH) -> dict[str, CueInfo]:
    """Cue id -> its label, description and sources (article titles), from the taxonomy file."""
    taxonomy = json.loads(taxonomy_path.read_text(encoding="utf-8"))
    return {
        cue["id"]: CueInfo(label["id"], cue["description"], "; ".join(cue["sources"]))
        for label in taxonomy["labels"]
        for cue in label["cues"]
    }


class Predictor:
    """A loaded, verified model. Read-only after load; safe to share across threads."""

    def __init__(self, pipeline: Any, card: dict[str, Any], model_dir: Path) -> None:
        self._pipeline = pipeline
        self._featurizer = pipeline[0]
        self._classifier = pipeline[-1]
        self.card = card
        self.model_dir = model_dir
        self.name: str = card["name"]
        self.version: str = card["version"]
        self.labels: tuple[str, ...] = tuple(card["labels"])
        self.thresholds = np.array([card["thresholds"][label] for label in self.labels])
        self._cues = load_cue_info()
        if self.labels != LABELS:
            raise ModelIntegrityError(f"model labels {self.labels} differ from {LABELS}")
        built_under = getattr(self._featurizer, "analysis_version_", None)
        if built_under != ANALYSIS_VERSION:
            raise ModelIntegrityError(
                f"model was built under text analysis version {built_under}; this code analyses text as "
                f"version {ANALYSIS_VERSION}, so its features would differ: rebuild it with `attune train`"
            )
        try:
            self._featurizer.check_resources()
        except (OSError, ValueError) as e:
            raise ModelIntegrityError(f"model {self.name} cannot be loaded: {e}") from e

    @classmethod
    def load(cls, model_dir: Path | None = None) -> Predictor:
        """Load `model_dir` (default: `service.paths.default_model_dir()`), verifying its sha256.

        Raises ModelNotFoundError when no model is built, ModelIntegrityError on a bad hash or a model
        built under another text analysis version.
        """
        model_dir = model_dir or default_model_dir()
        card_path = model_dir / "model_card.json" if model_dir else None
        if model_dir is None or card_path is None or not card_path.is_file():
            where = f" at {model_dir}" if model_dir else ""
            raise ModelNotFoundError(f"no model is built{where}: run `attune train` (or `make model`)")
        card = json.loads(card_path.read_text(encoding="utf-8"))
        model_path = model_dir / card.get("model_file", artifact.MODEL_FILE)
        if not model_path.is_file():
            raise ModelNotFoundError(f"model card found but {model_path.name} is missing in {model_dir}")
        pipeline = artifact.load(model_path, expected_sha256=card["model_sha256"])
        return cls(pipeline, card, model_dir)

    @property
    def featurizer(self) -> Any:
        """The fitted `MessageFeaturizer` (read-only use: audits and benchmarks)."""
        return self._featurizer

    @property
    def classifier(self) -> Any:
        """The fitted `CalibratedLinearClassifier`."""
        return self._classifier

    @property
    def info(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version}

    def classify(self, texts: Sequence[str], *, explain: bool = False) -> list[dict[str, Any]]:
        """Label each text; `explain` adds exact spans and cue citations (costs a second pass)."""
        if not texts:
            return []
        if explain:
            return [self._explain_one(item) for item in self._featurizer.explain(texts)]
        X = self._featurizer.transform(texts)
        raw = self._classifier.decision_function(X)
        return [self._result(r) for r in raw]

    def _result(self, raw: np.ndarray) -> dict[str, Any]:
        proba = self._classifier.calibrate(raw)
        chosen = [label for label, p, t in zip(self.labels, proba, self.thresholds, strict=True) if p >= t]
        # primary: the chosen label the model is most sure of, relative to its own threshold
        margin = {lab: proba[j] - self.thresholds[j] for j, lab in enumerate(self.labels)}
        primary = max(chosen, key=margin.__getitem__) if chosen else "none"
        return {
            "labels": chosen,
            "primary": primary,
            "scores": {label: round(float(p), 4) for label, p in zip(self.labels, proba, strict=True)},
        }

    def _explain_one(self, item: Any) -> dict[str, Any]:
        analysis, row = item.analysis, item.row
        raw = self._classifier.decision_function(row)[0]
        result = self._result(raw)
        coef, intercept = self._classifier.coef_, self._classifier.intercept_
        tokens = analysis.tokens
        per_token = _token_weights(item, coef)
        spans = []
        for j, label in enumerate(self.labels):
            for k in np.flatnonzero(np.abs(per_token[j]) >= 1e-12).tolist():
                t = tokens[k]
                spans.append({"label": label, "start": t.start, "end": t.end,
                              "text": analysis.text[t.start:t.end], "weight": float(per_token[j, k])})
        cues = []
        for c in analysis.cues:
            if c.negated:
                continue
            info = self._cues.get(c.cue)
            if info is None:
                continue
            cues.append({"cue": c.cue, "label": info.label, "start": c.start, "end": c.end,
                         "text": analysis.text[c.start:c.end], "description": info.description,
                         "source": info.source})
        result["explanation"] = {
            "cues": _dedupe_cues(cues),
            "spans": spans,
            "bias": {label: float(intercept[j]) for j, label in enumerate(self.labels)},
            "raw_scores": {label: float(raw[j]) for j, label in enumerate(self.labels)},
        }
        return result


def _token_weights(item: Any, coef: np.ndarray) -> np.ndarray:
    """Labels x tokens: each feature's contribution (coefficient x value) shared evenly over the
    tokens where it occurs, plus each token's share of the dense block. Rows sum, with the
    bias, to the raw scores; one matrix product instead of a Python loop per label."""
    row, places, tokens = item.row, item.places, item.analysis.tokens
    keep = row.indices < item.dense_start
    idx, values = row.indices[keep], row.data[keep]
    n_tokens = len(tokens)
    spread = np.zeros((len(idx), n_tokens))
    flat = spread.reshape(-1)  # a view: writing one cell is cheaper than a slice per occurrence
    for r, feature in enumerate(idx.tolist()):
        where = places.get(feature, ())
        if len(where) == 1 and where[0][0] == where[0][1]:  # most features: one token, once
            flat[r * n_tokens + where[0][0]] = 1.0
            continue
        total = sum(last - first + 1 for first, last in where)
        for first, last in where:
            for k in range(first, last + 1):
                flat[r * n_tokens + k] += 1.0 / total
    weights = (coef[:, idx] * values) @ spread
    if item.token_dense.size:
        dense_coef = coef[:, item.dense_start: item.dense_start + item.token_dense.shape[1]]
        weights += dense_coef @ item.token_dense.T
    return weights


def _dedupe_cues(cues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One citation per cue and span; a span inside a longer match of the same cue is dropped."""
    out: list[dict[str, Any]] = []
    for c in sorted(cues, key=lambda c: (c["start"], -(c["end"] - c["start"]))):
        if any(o["cue"] == c["cue"] and o["start"] <= c["start"] and c["end"] <= o["end"] for o in out):
            continue
        out.append(c)
    return out
