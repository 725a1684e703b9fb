"""The calibrated linear classifier on small synthetic data."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.metrics import f1_score

from training.model import CalibratedLinearClassifier, _f1_standard_error, _near_best, _smooth


def _data(seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.random((300, 6))
    Y = np.column_stack([(X[:, 0] > 0.5), (X[:, 1] + X[:, 2] > 1.0)]).astype(int)
    return sp.csr_matrix(X), Y


def test_fit_returns_self_and_learns() -> None:
    X, Y = _data()
    clf = CalibratedLinearClassifier(C=10.0)
    assert clf.fit(X, Y) is clf
    assert clf.coef_.shape == (2, 6)
    assert (clf.predict(X) == Y).mean() > 0.85


def test_probabilities_are_calibrated_raw_scores() -> None:
    X, Y = _data()
    clf = CalibratedLinearClassifier().fit(X, Y)
    raw = clf.decision_function(X)
    np.testing.assert_allclose(raw, X @ clf.coef_.T + clf.intercept_)
    proba = clf.predict_proba(X)
    assert ((proba >= 0) & (proba <= 1)).all()
    # calibration is monotone in the raw score, per label
    for j in range(2):
        order = np.argsort(raw[:, j])
        assert (np.diff(proba[order, j]) >= -1e-12).all()


def test_thresholds_tuned_on_validation() -> None:
    X, Y = _data()
    Xv, Yv = _data(seed=1)
    clf = CalibratedLinearClassifier().fit(X, Y)
    t = clf.tune_thresholds(Xv, Yv)
    assert t.shape == (2,) and ((t >= 0.1) & (t <= 0.9)).all()
    assert (clf.thresholds_ == t).all()


def test_same_seed_same_model() -> None:
    X, Y = _data()
    a = CalibratedLinearClassifier(random_state=3).fit(X, Y)
    b = clone(a).fit(X, Y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.calib_a_, b.calib_a_)


def test_none_share_reweights_messages_without_labels() -> None:
    X, Y = _data()
    clf = CalibratedLinearClassifier().fit(X, Y)
    Xv, Yv = _data(seed=1)
    share = float((Yv.sum(axis=1) == 0).mean())
    plain = clf.tune_thresholds(Xv, Yv).copy()
    # asking for the share the split already has changes nothing
    np.testing.assert_allclose(clf.tune_thresholds(Xv, Yv, none_share=share), plain)
    # weighting unlabelled messages up never lowers a threshold on this data
    heavy = clf.tune_thresholds(Xv, Yv, none_share=0.95)
    assert (heavy >= plain - 1e-9).all() and (heavy > plain).any()


def test_smoothing_prefers_a_broad_plateau_to_a_spike() -> None:
    curve = np.array([0.50, 0.50, 0.80, 0.50, 0.50, 0.70, 0.78, 0.79, 0.78, 0.70])
    assert int(np.argmax(curve)) == 2
    assert int(np.argmax(_smooth(curve, 1))) == 7
    np.testing.assert_allclose(_smooth(curve, 0), curve)
    # ends average over the points that exist, so a flat curve stays flat
    np.testing.assert_allclose(_smooth(np.full(6, 0.4), 2), np.full(6, 0.4))


GRID = np.round(np.arange(0.10, 0.91, 0.01), 2)


def _fitted_with_validation() -> tuple[CalibratedLinearClassifier, sp.csr_matrix, np.ndarray]:
    X, Y = _data()
    Xv, Yv = _data(seed=1)
    return CalibratedLinearClassifier().fit(X, Y), Xv, Yv


def test_thresholds_maximise_the_smoothed_validation_f1_without_a_band() -> None:
    clf, Xv, Yv = _fitted_with_validation()
    proba = clf.predict_proba(Xv)
    for width in (0, 5):
        thresholds = clf.tune_thresholds(Xv, Yv, smoothing=width, tolerance=0.0)
        for j in range(2):
            curve = _smooth(np.array([f1_score(Yv[:, j], proba[:, j] >= t) for t in GRID]), width)
            chosen = curve[np.flatnonzero(GRID == thresholds[j])[0]]
            assert np.isclose(chosen, curve.max())


def test_near_best_band_is_the_stretch_around_the_peak() -> None:
    curve = np.array([0.60, 0.74, 0.75, 0.745, 0.748, 0.70, 0.749, 0.60])
    assert _near_best(curve, 0.0) == (2, 2)
    assert _near_best(curve, 0.01) == (1, 4)  # 0.749 beyond the dip is not part of the stretch
    assert _near_best(curve, 0.2) == (0, 7)


def test_thresholds_sit_mid_band_within_one_standard_error() -> None:
    clf, Xv, Yv = _fitted_with_validation()
    proba = clf.predict_proba(Xv)
    thresholds = clf.tune_thresholds(Xv, Yv)
    for j in range(2):
        curve = _smooth(np.array([f1_score(Yv[:, j], proba[:, j] >= t) for t in GRID]), 5)
        peak = GRID[int(np.argmax(curve))]
        se = _f1_standard_error(Yv[:, j], proba[:, j] >= peak, np.ones(len(Yv)), 0)
        assert 0 < se < 0.1
        low, high = _near_best(curve, se)
        assert thresholds[j] == GRID[(low + high) // 2]
        assert curve[np.flatnonzero(GRID == thresholds[j])[0]] >= curve.max() - se - 1e-9
