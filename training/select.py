"""Model selection by held-out writers: how well a setting carries over to people it never read.

The test split shares writers with training, so it rewards settings that learn our writers'
habits. Real messages come from other people. Here every fold holds out whole writers (the id
prefix), and settings are compared by macro average precision on them: threshold-free, and
unchanged by the monotone calibration, so a plain liblinear fit per label is enough. The real
dev set plays no part.

    python -m training.select [--C 1,2,4] [--vector-weight 3] [--cue-weight 2] [--char-weight 1]
                              [--surface-weight 1]
"""

from __future__ import annotations

import argparse
import itertools
import time
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import GroupKFold

from training.data import LABELS, load_labelled
from training.features import MessageFeaturizer
from training.train import DATA_DIR

FOLDS = 4


def writer_of(message_id: str) -> str:
    return message_id.rsplit("-", 1)[0]


def macro_ap(Y: np.ndarray, scores: np.ndarray) -> tuple[float, list[float]]:
    per = [float(average_precision_score(Y[:, j], scores[:, j])) for j in range(Y.shape[1])]
    return float(np.mean(per)), per


def evaluate(texts: list[str], Y: np.ndarray, groups: list[str], *, featurizer: dict[str, Any],
             Cs: list[float], seed: int = 0) -> dict[float, tuple[float, list[float]]]:
    """Macro-AP on held-out writers for each C, pooled over the folds."""
    pooled = {C: np.zeros(Y.shape, dtype=float) for C in Cs}
    for train_idx, test_idx in GroupKFold(n_splits=FOLDS).split(texts, Y, groups):
        feats = MessageFeaturizer(**featurizer)
        X_train = feats.fit_transform([texts[i] for i in train_idx])
        X_test = feats.transform([texts[i] for i in test_idx])
        for C in Cs:
            for j in range(Y.shape[1]):
                clf = LogisticRegression(C=C, solver="liblinear", random_state=seed)
                clf.fit(X_train, Y[train_idx, j])
                pooled[C][test_idx, j] = clf.decision_function(X_test)
    return {C: macro_ap(Y, pooled[C]) for C in Cs}


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--C", type=_floats, default=[1.0, 4.0])
    parser.add_argument("--vector-weight", type=_floats, default=[3.0])
    parser.add_argument("--cue-weight", type=_floats, default=[2.0])
    parser.add_argument("--char-weight", type=_floats, default=[1.0])
    parser.add_argument("--surface-weight", type=_floats, default=[1.0], help="0 leaves surface words out")
    args = parser.parse_args()
    corpus = load_labelled(DATA_DIR / "corpus.jsonl")
    texts, Y = list(corpus.texts), np.asarray(corpus.Y)
    groups = [writer_of(r["id"]) for r in corpus.records]
    print(f"{len(texts)} messages, {len(set(groups))} writers, {FOLDS} folds by writer")
    header = f"{'vector':>6} {'cue':>5} {'char':>5} {'surf':>5} {'C':>5} {'macroAP':>8} "
    print(header + " ".join(f"{lab[:8]:>8}" for lab in LABELS))
    grid = itertools.product(args.vector_weight, args.cue_weight, args.char_weight, args.surface_weight)
    for vw, cw, chw, sw in grid:
        started = time.perf_counter()
        featurizer = {"vector_weight": vw, "cue_weight": cw, "char_weight": chw,
                      "surface_weight": sw, "surface_ngrams": (1, 2) if sw else None}
        results = evaluate(texts, Y, groups, featurizer=featurizer, Cs=args.C)
        for C, (macro, per) in results.items():
            print(f"{vw:>6} {cw:>5} {chw:>5} {sw:>5} {C:>5} {macro:>8.4f} " + " ".join(f"{p:>8.4f}" for p in per),
                  flush=True)
        print(f"  ({time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
