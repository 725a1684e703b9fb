"""A multi-label linear classifier with Platt calibration on held-out folds and per-label thresholds.

Linear so that explanations are exact: a label's raw score is `coef_ @ x + intercept_`, and its
calibrated probability is `sigmoid(calib_a_ * raw + calib_b_)`, fitted on out-of-fold raw scores.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted

# Grid steps (of 0.01) either side over which the validation F1 curve is averaged before its argmax.
THRESHOLD_SMOOTHING = 5
# Seeded bootstrap resamples of the validation split used to estimate the standard error of F1.
THRESHOLD_RESAMPLES = 200
# Inverse regularisation strength, chosen by macro average precision on held-out writers
# (`python -m training.select`): C = 2, 4, 8 gave 0.901, 0.908, 0.912 on the round-six corpus.
# Holding out the natural-scene shards instead (`--holdout-prefix nat9`, round-nine corpus), C = 4,
# 8, 16, 32 gave 0.630, 0.632, 0.631, 0.630: flat, so C stays at 8.
DEFAULT_C = 8.0


class CalibratedLinearClassifier(ClassifierMixin, BaseEstimator):
    """One logistic regression per label; probabilities calibrated on out-of-fold scores."""

    def __init__(
        self,
        *,
        C: float = DEFAULT_C,
        class_weight: str | None = None,
        cv: int = 3,
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.class_weight = class_weight
        self.cv = cv
        self.random_state = random_state

    def fit(self, X: sp.spmatrix, Y: np.ndarray) -> CalibratedLinearClassifier:
        Y = np.asarray(Y, dtype=int)
        n_labels = Y.shape[1]
        coef = np.zeros((n_labels, X.shape[1]))
        intercept = np.zeros(n_labels)
        calib_a = np.ones(n_labels)
        calib_b = np.zeros(n_labels)
        for j in range(n_labels):
            y = Y[:, j]
            model = self._base().fit(X, y)
            coef[j] = model.coef_[0]
            intercept[j] = model.intercept_[0]
            oof = np.zeros(len(y))
            folds = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
            for tr, te in folds.split(np.zeros(len(y)), y):
                oof[te] = self._base().fit(X[tr], y[tr]).decision_function(X[te])
            platt = LogisticRegression(C=1e6).fit(oof.reshape(-1, 1), y)
            calib_a[j] = platt.coef_[0, 0]
            calib_b[j] = platt.intercept_[0]
        self.__dict__.pop("_weights_by_feature", None)
        self.coef_ = coef
        self.intercept_ = intercept
        self.calib_a_ = calib_a
        self.calib_b_ = calib_b
        self.thresholds_ = np.full(n_labels, 0.5)
        self.n_labels_ = n_labels
        return self

    def _base(self) -> LogisticRegression:
        return LogisticRegression(
            C=self.C, class_weight=self.class_weight, solver="liblinear", max_iter=2000,
            random_state=self.random_state,
        )

    def decision_function(self, X: sp.spmatrix) -> np.ndarray:
        check_is_fitted(self, "coef_")
        # A C-contiguous copy of coef_.T, made once: scipy would otherwise copy the transposed
        # view on every call, which cost more than the whole featurizer for a single message.
        weights = self.__dict__.get("_weights_by_feature")
        if weights is None or weights.shape[::-1] != self.coef_.shape:
            weights = self.__dict__["_weights_by_feature"] = np.ascontiguousarray(self.coef_.T)
        return np.asarray(X @ weights) + self.intercept_

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())  # object.__getstate__ returns the live __dict__
        state.pop("_weights_by_feature", None)
        return state

    def calibrate(self, raw: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.calib_a_ * raw + self.calib_b_)))

    def predict_proba(self, X: sp.spmatrix) -> np.ndarray:
        return self.calibrate(self.decision_function(X))

    def predict(self, X: sp.spmatrix) -> np.ndarray:
        return (self.predict_proba(X) >= self.thresholds_).astype(int)

    def tune_thresholds(
        self, X: sp.spmatrix, Y: np.ndarray, *, none_share: float | None = None, grid: Any = None,
        smoothing: int = THRESHOLD_SMOOTHING, tolerance: float | None = None,
    ) -> np.ndarray:
        """Pick, per label, the probability threshold that maximises F1 on (X, Y): a validation split.

        The F1 curve is first averaged over `smoothing` grid steps either side, so a broad plateau
        wins over a one-point spike: on a validation split of this size the curve is flat near its
        top and carries peaks of equal height 0.15 apart, and the raw argmax could land on either.
        Thresholds whose smoothed F1 is within one standard error of the best (estimated by a
        seeded bootstrap of the split at the peak, unless `tolerance` is given), in one stretch
        around the peak, cannot be told apart, and the middle one is chosen: the closeness curve
        was flat (0.74-0.75) from 0.30 to 0.60, and its argmax moved between 0.34 and 0.56 from
        one training to the next.

        `none_share` re-weights messages with no label so that they make up that share of the
        split, for thresholds suited to real conversations rather than to a corpus enriched in bids.
        """
        proba = self.predict_proba(X)
        weights = np.ones(len(Y))
        is_none = Y.sum(axis=1) == 0
        if none_share is not None and is_none.any() and (~is_none).any():
            weights[is_none] = none_share / (1 - none_share) * (~is_none).sum() / is_none.sum()
        grid = np.round(np.arange(0.10, 0.91, 0.01), 2) if grid is None else np.asarray(grid)
        best = np.full(self.n_labels_, 0.5)
        for j in range(self.n_labels_):
            truth = Y[:, j]
            curve = _weighted_f1(weights[None, :], truth, proba[:, j][:, None] >= grid[None, :])[0]
            scores = _smooth(curve, smoothing)
            band = tolerance
            if band is None:
                peak = grid[int(np.argmax(scores))]
                band = _f1_standard_error(truth, proba[:, j] >= peak, weights, self.random_state)
            low, high = _near_best(scores, band)
            best[j] = float(grid[(low + high) // 2])
        self.thresholds_ = best
        return best


def _smooth(scores: np.ndarray, half_width: int) -> np.ndarray:
    """Moving average of a curve, over the points that exist within `half_width` of each."""
    if half_width <= 0:
        return scores
    sums = np.concatenate([[0.0], np.cumsum(scores)])
    idx = np.arange(len(scores))
    low, high = np.maximum(idx - half_width, 0), np.minimum(idx + half_width + 1, len(scores))
    return (sums[high] - sums[low]) / (high - low)


def _near_best(scores: np.ndarray, tolerance: float) -> tuple[int, int]:
    """First and last index of the contiguous stretch around the peak within `tolerance` of it."""
    peak = int(np.argmax(scores))
    floor = scores[peak] - tolerance - 1e-12
    low, high = peak, peak
    while low > 0 and scores[low - 1] >= floor:
        low -= 1
    while high < len(scores) - 1 and scores[high + 1] >= floor:
        high += 1
    return low, high


def _weighted_f1(counts: np.ndarray, truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """F1 for each row of per-message weights (rows x messages) and each column of predictions
    (messages x thresholds); 0 where there is nothing to find and nothing found."""
    truth = np.asarray(truth, dtype=bool)[:, None]
    tp = counts @ (predicted & truth)
    fp = counts @ (predicted & ~truth)
    fn = counts @ (~predicted & truth)
    denominator = 2 * tp + fp + fn
    return np.divide(2 * tp, denominator, out=np.zeros_like(denominator), where=denominator > 0)


def _f1_standard_error(truth: np.ndarray, predicted: np.ndarray, weights: np.ndarray, seed: int) -> float:
    """Standard deviation of weighted F1 over seeded bootstrap resamples of the messages."""
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(len(truth), np.full(len(truth), 1 / len(truth)), size=THRESHOLD_RESAMPLES) * weights
    return float(_weighted_f1(counts, truth, predicted[:, None]).std())
