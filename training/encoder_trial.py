"""Measure what the full all-MiniLM-L6-v2 sentence encoder would add to the served model, and at what cost.

The served model uses static word vectors distilled from this encoder, because the contextual encoder
needs a transformer forward pass per message. This trial puts numbers on that choice: it appends the
encoder's normalised mean-pooled sentence embedding, times a weight, to the served features, retrains the
same classifier, and prints test, natural-conversation and real-dev figures beside the served features
alone, then the encoder's own time per message. Run it in the build virtualenv (the `vectors` extra):

    HF_HUB_OFFLINE=1 /work/vecenv/bin/python -m training.encoder_trial [--weights 0.3 0.5]

Evaluation only: nothing is written, and the real dev set is never used to fit or tune anything.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.metrics import average_precision_score

from service.paths import DATA_DIR
from training.data import is_natural, load_labelled
from training.evaluate import report
from training.model import CalibratedLinearClassifier
from training.train import NONE_SHARE, REAL_DEV, SEED, build_pipeline
from training.vectors_build import model_dir

SPLITS = ("train", "validation", "test")
TIMED_MESSAGES = 200


def _encoder():  # noqa: ANN202 - SentenceTransformer comes from the optional extra
    """The packaged upstream encoder on the CPU, loaded offline after its weights' hash check."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    return SentenceTransformer(str(model_dir()), device="cpu")


def _embed(encoder, texts: Sequence[str]) -> np.ndarray:  # noqa: ANN001
    return encoder.encode(list(texts), batch_size=128, normalize_embeddings=True, convert_to_numpy=True)


def _figures(clf: CalibratedLinearClassifier, X: sp.spmatrix, Y: np.ndarray) -> tuple[float, float]:
    """Macro-F1 at the tuned thresholds and macro average precision (threshold-free)."""
    f1 = report(Y, clf.predict(X))["macro_f1"]
    proba = clf.predict_proba(X)
    return f1, float(np.mean([average_precision_score(Y[:, j], proba[:, j]) for j in range(Y.shape[1])]))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", type=float, nargs="+", default=[0.5], help="scales of the embedding block")
    args = parser.parse_args(argv)
    if not REAL_DEV.is_file():
        print(f"{REAL_DEV} not found; the trial compares real-dev figures", file=sys.stderr)
        return 2
    corpus = load_labelled(DATA_DIR / "corpus.jsonl")
    sets = {s: corpus.where("split", s) for s in SPLITS} | {"dev": load_labelled(REAL_DEV)}
    # The natural-conversation lines are rows of the test split, scored from its matrices.
    natural = np.array([is_natural(r["id"]) for r in sets["test"].records])
    pipeline = build_pipeline(seed=SEED)
    featurizer = pipeline[0]
    X = {"train": featurizer.fit_transform(sets["train"].texts)}
    for name in ("validation", "test", "dev"):
        X[name] = featurizer.transform(sets[name].texts)
    encoder = _encoder()
    started = time.perf_counter()
    E = {name: _embed(encoder, sets[name].texts) for name in X}
    encoded = sum(len(sets[name].texts) for name in X)
    print(f"encoded {encoded} messages in {time.perf_counter() - started:.0f} s (batches of 128, 2 threads)")

    print("| features | test F1 | natural F1 | natural AP | dev F1 | dev AP |")
    print("|---|---|---|---|---|---|")
    for weight in [0.0, *args.weights]:
        Xw = {k: sp.hstack([v, sp.csr_matrix(E[k] * weight)], format="csr") if weight else v for k, v in X.items()}
        clf = clone(pipeline[-1]).fit(Xw["train"], sets["train"].Y)
        clf.tune_thresholds(Xw["validation"], sets["validation"].Y, none_share=NONE_SHARE)
        test_f1, _ = _figures(clf, Xw["test"], sets["test"].Y)
        nat_f1, nat_ap = _figures(clf, Xw["test"][natural], sets["test"].Y[natural])
        dev_f1, dev_ap = _figures(clf, Xw["dev"], sets["dev"].Y)
        label = "served features" if not weight else f"+ sentence embedding x {weight}"
        print(f"| {label} | {test_f1:.3f} | {nat_f1:.3f} | {nat_ap:.3f} | {dev_f1:.3f} | {dev_ap:.3f} |", flush=True)

    sample = sets["test"].texts[:TIMED_MESSAGES]
    started = time.perf_counter()
    for text in sample:
        _embed(encoder, [text])
    per_message = (time.perf_counter() - started) / len(sample) * 1000
    print(f"encoder alone, one message at a time (torch, 2 threads): {per_message:.1f} ms per message")
    return 0


if __name__ == "__main__":
    sys.exit(main())
