"""Metrics for multi-label predictions, the cue-rules baseline, and the shortcut audit."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from sklearn.metrics import precision_recall_fscore_support

from service.paths import TAXONOMY_PATH
from service.records import LABELS
from training.text import TextAnalyzer


@lru_cache(maxsize=1)
def _cue_table() -> dict[str, tuple[str, ...]]:
    taxonomy = json.loads(TAXONOMY_PATH.read_text(encoding="utf-8"))
    also = taxonomy.get("also_counts_as", {})
    return {
        cue["id"]: (label["id"], *also.get(cue["id"], ()))
        for label in taxonomy["labels"]
        for cue in label["cues"]
    }


def cue_labels(cue: str) -> tuple[str, ...]:
    """The labels a cue id supports, from the taxonomy: its own, plus double duty (C4, D4, R4)."""
    return _cue_table()[cue]


def report(Y_true: np.ndarray, Y_pred: np.ndarray) -> dict[str, Any]:
    """Per-label precision/recall/F1/support, macro-F1 over the four labels, `none` F1, confusions."""
    p, r, f, s = precision_recall_fscore_support(Y_true, Y_pred, average=None, zero_division=0)
    out: dict[str, Any] = {
        label: {"precision": round(float(p[j]), 4), "recall": round(float(r[j]), 4),
                "f1": round(float(f[j]), 4), "support": int(s[j])}
        for j, label in enumerate(LABELS)
    }
    out["macro_f1"] = round(float(np.mean(f)), 4)
    true_none, pred_none = Y_true.sum(1) == 0, Y_pred.sum(1) == 0
    np_, nr, nf, _ = precision_recall_fscore_support(true_none, pred_none, average="binary", zero_division=0)
    out["none"] = {"precision": round(float(np_), 4), "recall": round(float(nr), 4), "f1": round(float(nf), 4),
                   "support": int(true_none.sum())}
    out["exact_match"] = round(float((Y_true == Y_pred).all(1).mean()), 4) if len(Y_true) else 0.0
    out["n"] = len(Y_true)
    out["most_confused"] = confused_pairs(Y_true, Y_pred)
    return out


def confused_pairs(Y_true: np.ndarray, Y_pred: np.ndarray, *, top: int = 6) -> list[dict[str, Any]]:
    """The commonest (true, predicted) disagreements, `none` included as a label."""
    pairs: Counter[tuple[str, str]] = Counter()
    for yt, yp in zip(Y_true, Y_pred, strict=True):
        true = {LABELS[j] for j in np.flatnonzero(yt)} or {"none"}
        pred = {LABELS[j] for j in np.flatnonzero(yp)} or {"none"}
        for missed in true - pred:
            for extra in (pred - true) or {"none"}:
                pairs[(missed, extra)] += 1
        if not true - pred:
            for extra in pred - true:
                pairs[("none" if true == {"none"} else "+".join(sorted(true)), extra)] += 1
    # Ties broken by name: Counter keeps insertion order, which follows set order, which
    # follows string hashing and so changes from one process to the next.
    ranked = sorted(pairs.items(), key=lambda item: (-item[1], item[0]))[:top]
    return [{"true": t, "predicted": p, "count": c} for (t, p), c in ranked]


def cue_rule_predict(analyzer: TextAnalyzer, texts: Sequence[str]) -> np.ndarray:
    """The taxonomy's cues alone: a label is predicted when any of its cues matches un-negated."""
    Y = np.zeros((len(texts), len(LABELS)), dtype=int)
    for i, a in enumerate(analyzer.analyze(list(texts))):
        for c in a.cues:
            if not c.negated:
                for label in cue_labels(c.cue):
                    Y[i, LABELS.index(label)] = 1
    return Y


def shortcut_audit(
    feature_names: Sequence[str], coef: np.ndarray, X_none: Any, *, top: int = 30
) -> dict[str, list[dict[str, Any]]]:
    """Per label, the heaviest positive features and how many `none` messages contain each.

    A heavy feature that almost never occurs in `none` messages is a shortcut the model may be
    leaning on; the fix is minimal-pair data, not a rule.
    """
    none_df = np.asarray((X_none != 0).sum(axis=0)).ravel()
    out = {}
    for j, label in enumerate(LABELS):
        order = np.argsort(-coef[j])[:top]
        out[label] = [
            {"feature": str(feature_names[k]), "weight": round(float(coef[j, k]), 4),
             "none_messages_with_it": int(none_df[k])}
            for k in order
        ]
    return out
