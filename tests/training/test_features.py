"""The featurizer follows scikit-learn's estimator API and keeps every feature traceable."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from training.features import MessageFeaturizer

TEXTS = [
    "I miss you so much",
    "running 10 min late sorry",
    "you never listen to me",
    "I don't need space, I need you",
    "can we talk later? I need space",
    "ok see you at 6",
    "miss u babe",
    "sorry I yelled at you",
]


@pytest.fixture(scope="module")
def fitted() -> MessageFeaturizer:
    return MessageFeaturizer(min_df=1).fit(TEXTS)


def test_init_only_stores_params() -> None:
    f = MessageFeaturizer(min_df=3, char_ngrams=(3, 4))
    assert f.get_params()["min_df"] == 3
    assert not hasattr(f, "vocabulary_")
    assert clone(f).get_params() == f.get_params()


def test_transform_before_fit_raises() -> None:
    with pytest.raises(NotFittedError):
        MessageFeaturizer().transform(["hi"])


def test_rows_in_input_order(fitted: MessageFeaturizer) -> None:
    X = fitted.transform(TEXTS)
    assert X.shape == (len(TEXTS), len(fitted.get_feature_names_out()))
    X_rev = fitted.transform(TEXTS[::-1])
    np.testing.assert_allclose(X.toarray(), X_rev.toarray()[::-1])


def test_negation_changes_features(fitted: MessageFeaturizer) -> None:
    names = fitted.get_feature_names_out()
    row = fitted.transform(["I don't need space"]).toarray()[0]
    present = {names[i] for i in np.flatnonzero(row)}
    assert "cue=not_D1" in present and "cue=D1" not in present
    assert "w=not_need" in present


def test_explain_rows_equal_transform(fitted: MessageFeaturizer) -> None:
    X = fitted.transform(TEXTS)
    for i, (analysis, places, row) in enumerate(fitted.explain(TEXTS)):
        np.testing.assert_allclose(row.toarray()[0], X[i].toarray()[0])
        assert set(places) == set(row.indices)
        for spans in places.values():
            for first, last in spans:
                assert 0 <= first <= last < len(analysis.tokens)


def test_refit_replaces_state() -> None:
    f = MessageFeaturizer(min_df=1).fit(["alpha beta"])
    f.fit(["gamma delta"])
    names = set(f.get_feature_names_out())
    assert "w=gamma" in names and "w=alpha" not in names


def test_state_survives_pickle_without_spacy(fitted: MessageFeaturizer) -> None:
    state = fitted.__getstate__()
    assert state.get("_analyzer") is None
    copy = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_allclose(copy.transform(TEXTS).toarray(), fitted.transform(TEXTS).toarray())


def test_rejects_non_text() -> None:
    with pytest.raises(TypeError):
        MessageFeaturizer(min_df=1).fit(["ok", 3])  # type: ignore[list-item]
