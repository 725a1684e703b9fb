"""Model selection by held-out writers: how well a setting carries over to people it never read.

The test split shares writers with training, so it rewards settings that learn our writers'
habits. Real messages come from other people. Here every fold holds out whole writers (the id
prefix), and settings are compared by macro average precision on them: threshold-free, and
unchanged by the monotone calibration, so a plain liblinear fit per label is enough. The real
dev set plays no part.

`--holdout-prefix nat9` instead holds out, one at a time, each writer whose id starts with the
prefix (the natural-conversation shards, whose label mix is that of real talk) and scores only
them: closer to real messages than the authored shards, still without touching the dev set.

    python -m training.select [--C 1,2,4] [--vector-weight 3] [--cue-weight 2] [--char-weight 0.5]
                              [--surface-weight 1] [--encoder-weight 0,0.5] [--holdout-prefix nat9]

A weight of 0 leaves a block out (`--vector-weight 0`: no static word vectors; `--encoder-weight`
above 0 adds the sentence vector of `training.encoder`, as the contextual model does).
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

from training.data import LABELS, load_labelled, writer_of
from training.features import CONTEXTUAL_ENCODER, DEFAULT_CHAR_WEIGHT, DEFAULT_VECTORS, MessageFeaturizer
from training.train import DATA_DIR

FOLDS = 4


def macro_ap(Y: np.ndarray, scores: np.ndarray) -> tuple[float, list[float]]:
    per = [float(average_precision_score(Y[:, j], scores[:, j])) for j in range(Y.shape[1])]
    return float(np.mean(per)), per


def writer_folds(groups: list[str], holdout_prefix: str | None) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index pairs: FOLDS folds by writer, or one fold per writer with the prefix."""
    if holdout_prefix is None:
        return list(GroupKFold(n_splits=FOLDS).split(groups, groups=groups))
    names = np.asarray(groups)
    held = sorted({g for g in groups if g.startswith(holdout_prefix)})
    if not held:
        raise SystemExit(f"no writer id starts with {holdout_prefix!r}")
    return [(np.flatnonzero(names != g), np.flatnonzero(names == g)) for g in held]


def evaluate(texts: list[str], Y: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]], *,
             featurizer: dict[str, Any], Cs: list[float], seed: int = 0) -> dict[float, tuple[float, list[float]]]:
    """Macro-AP on the held-out messages for each C, pooled over the folds."""
    scored = np.concatenate([test_idx for _, test_idx in folds])
    pooled = {C: np.zeros(Y.shape, dtype=float) for C in Cs}
    for train_idx, test_idx in folds:
        feats = MessageFeaturizer(**featurizer)
        X_train = feats.fit_transform([texts[i] for i in train_idx])
        X_test = feats.transform([texts[i] for i in test_idx])
        for C in Cs:
            for j in range(Y.shape[1]):
                clf = LogisticRegression(C=C, solver="liblinear", random_state=seed)
                clf.fit(X_train, Y[train_idx, j])
                pooled[C][test_idx, j] = clf.decision_function(X_test)
    return {C: macro_ap(Y[scored], pooled[C][scored]) for C in Cs}


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--C", type=_floats, default=[1.0, 4.0])
    parser.add_argument("--vector-weight", type=_floats, default=[3.0])
    parser.add_argument("--cue-weight", type=_floats, default=[2.0])
    parser.add_argument("--char-weight", type=_floats, default=[DEFAULT_CHAR_WEIGHT])
    parser.add_argument("--surface-weight", type=_floats, default=[1.0], help="0 leaves surface words out")
    parser.add_argument("--encoder-weight", type=_floats, default=[0.0], help="0 leaves the sentence vector out")
    parser.add_argument("--holdout-prefix", help="score only writers whose id starts with this, one fold each")
    args = parser.parse_args()
    corpus = load_labelled(DATA_DIR / "corpus.jsonl")
    texts, Y = list(corpus.texts), np.asarray(corpus.Y)
    groups = [writer_of(r["id"]) for r in corpus.records]
    folds = writer_folds(groups, args.holdout_prefix)
    print(f"{len(texts)} messages, {len(set(groups))} writers, {len(folds)} folds by writer, "
          f"{sum(len(t) for _, t in folds)} scored")
    header = f"{'vector':>6} {'cue':>5} {'char':>5} {'surf':>5} {'enc':>5} {'C':>5} {'macroAP':>8} "
    print(header + " ".join(f"{lab[:8]:>8}" for lab in LABELS))
    grid = itertools.product(args.vector_weight, args.cue_weight, args.char_weight, args.surface_weight,
                             args.encoder_weight)
    for vw, cw, chw, sw, ew in grid:
        started = time.perf_counter()
        featurizer = {"vector_weight": vw, "vectors": DEFAULT_VECTORS if vw else None, "cue_weight": cw,
                      "char_weight": chw, "surface_weight": sw, "surface_ngrams": (1, 2) if sw else None,
                      "encoder": CONTEXTUAL_ENCODER if ew else None, "encoder_weight": ew}
        results = evaluate(texts, Y, folds, featurizer=featurizer, Cs=args.C)
        for C, (macro, per) in results.items():
            scores = " ".join(f"{p:>8.4f}" for p in per)
            print(f"{vw:>6} {cw:>5} {chw:>5} {sw:>5} {ew:>5} {C:>5} {macro:>8.4f} {scores}", flush=True)
        print(f"  ({time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
