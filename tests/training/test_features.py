"""The featurizer follows scikit-learn's estimator API and keeps every feature traceable."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from training.encoder import SentenceEncoder
from training.features import CONTEXTUAL_ENCODER, MessageFeaturizer

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
    for i, item in enumerate(fitted.explain(TEXTS)):
        row = item.row.toarray()[0]
        np.testing.assert_allclose(row, X[i].toarray()[0])
        sparse_present = {int(k) for k in item.row.indices if k < item.dense_start}
        assert set(item.places) == sparse_present
        for spans in item.places.values():
            for first, last in spans:
                assert 0 <= first <= last < len(item.analysis.tokens)
        # the dense block is exactly the sum of its per-token shares
        assert item.token_dense.shape[0] == len(item.analysis.tokens)
        np.testing.assert_allclose(item.token_dense.sum(axis=0), row[item.dense_start:], atol=1e-12)


def test_dense_block_can_be_switched_off() -> None:
    f = MessageFeaturizer(min_df=1, vectors=None).fit(TEXTS)
    assert not any(n.startswith("v=") for n in f.get_feature_names_out())
    assert f.explain(["hi there"])[0].token_dense.size == 0


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


def test_skops_round_trip_leaves_the_original_intact(fitted: MessageFeaturizer, tmp_path) -> None:
    from service import artifact

    before = fitted.transform(TEXTS).toarray()
    sha = artifact.save(fitted, tmp_path / "f.skops")
    artifact.save(fitted, tmp_path / "g.skops")  # saving twice must not change the object
    loaded = artifact.load(tmp_path / "f.skops", expected_sha256=sha)
    np.testing.assert_allclose(fitted.transform(TEXTS).toarray(), before)
    np.testing.assert_allclose(loaded.transform(TEXTS).toarray(), before)
    assert loaded.vocabulary_ == fitted.vocabulary_ and loaded.patterns_ == fitted.patterns_


def test_fast_counts_match_the_traceable_occurrences(fitted: MessageFeaturizer) -> None:
    from collections import Counter

    for analysis in fitted._analyses([*TEXTS, "Ü so free 2day?? 😍", "I-I don't… know"]):
        slow: Counter[int] = Counter()
        for name, _, _ in fitted._occurrences(analysis):
            if name in fitted.vocabulary_:
                slow[fitted.vocabulary_[name]] += 1
        fast: Counter[int] = Counter()
        for block in fitted._counts(analysis).values():
            fast.update(block)
        assert fast == slow


def test_surface_words_are_as_written_and_point_at_their_tokens() -> None:
    text = "I'm so-so sorry about the last-minute plan yesterday, babe!!"
    f = MessageFeaturizer(min_df=1, vectors=None).fit([text])
    names = set(f.get_feature_names_out())
    # as written: "last-minute" is two words, "I'm" keeps no one-letter word, punctuation is
    # dropped, and the stammer "so-so" is one "so", as in the analysis
    assert {"s=last minute", "s=so sorry", "s=yesterday babe"} <= names
    assert "s=so so" not in names
    assert not any(n in names for n in ("s=i", "s=m", "s=,", "s=!"))
    # lemmas stay in the word block ("I'm" -> "be"), surface forms in theirs
    assert "w=be" in names and "s=be" not in names
    explained = f.explain([text])[0]
    tokens = explained.analysis.tokens
    assert explained.analysis.text == text
    (first, last), = explained.places[f.vocabulary_["s=yesterday babe"]]
    assert text[tokens[first].start:tokens[last].end] == "yesterday, babe"


def test_surface_block_can_be_switched_off() -> None:
    f = MessageFeaturizer(min_df=1, vectors=None, surface_ngrams=None).fit(TEXTS)
    assert not any(n.startswith("s=") for n in f.get_feature_names_out())


@pytest.fixture(scope="module", params=["shipped", "with word vectors"])
def contextual(request: pytest.FixtureRequest) -> MessageFeaturizer:
    """The contextual model's featurizer, and the same with the static word vectors kept."""
    vectors = {"vectors": None} if request.param == "shipped" else {}
    return MessageFeaturizer(min_df=1, encoder=CONTEXTUAL_ENCODER, **vectors).fit(TEXTS)


def test_encoder_block_comes_last(contextual: MessageFeaturizer) -> None:
    names = list(contextual.get_feature_names_out())
    first = names.index("e=0")
    assert names[first:] == [f"e={k}" for k in range(384)]
    assert any(n.startswith("v=") for n in names) == bool(contextual.vectors)
    assert contextual.encoder_sha256_ == SentenceEncoder.load().sha256


def test_encoder_block_is_the_weighted_sentence_vector(contextual: MessageFeaturizer) -> None:
    X = contextual.transform(TEXTS).toarray()
    first = list(contextual.get_feature_names_out()).index("e=0")
    expected = SentenceEncoder.load().encode(TEXTS) * contextual.encoder_weight
    np.testing.assert_allclose(X[:, first:], expected, atol=1e-6)


def test_encoder_shares_add_up_and_sit_on_their_words(contextual: MessageFeaturizer) -> None:
    texts = [*TEXTS, "so.. you're late AGAIN?!", "   ", "ok 👍"]
    X = contextual.transform(texts).toarray()
    first = list(contextual.get_feature_names_out()).index("e=0") - contextual.dense_start_
    for i, item in enumerate(contextual.explain(texts)):
        row = item.row.toarray()[0]
        np.testing.assert_allclose(row, X[i], atol=1e-12)
        assert item.token_dense.shape == (len(item.analysis.tokens), len(row) - item.dense_start)
        np.testing.assert_allclose(item.token_dense.sum(axis=0), row[item.dense_start:], atol=1e-12)
        if item.analysis.tokens:  # every token gets a share of the sentence vector
            assert (np.abs(item.token_dense[:, first:]).sum(axis=1) > 0).all()
        else:  # nowhere to put the shares, so the block is zero
            assert not row[item.dense_start + first:].any()


def test_contextual_state_survives_skops_and_checks_its_encoder(contextual: MessageFeaturizer, tmp_path) -> None:
    from service import artifact
    from training.vectors import VectorsIntegrityError

    sha = artifact.save(contextual, tmp_path / "c.skops")
    loaded = artifact.load(tmp_path / "c.skops", expected_sha256=sha)
    np.testing.assert_allclose(loaded.transform(TEXTS).toarray(), contextual.transform(TEXTS).toarray())
    loaded.encoder_sha256_ = "0" * 64
    with pytest.raises(VectorsIntegrityError, match="differs from the encoder"):
        loaded.transform(TEXTS)


def test_models_saved_before_the_encoder_read_as_without_it(fitted: MessageFeaturizer) -> None:
    state = fitted.__getstate__()
    for key in ("encoder", "encoder_weight", "encoder_sha256_"):
        state.pop(key, None)
    old = MessageFeaturizer.__new__(MessageFeaturizer)
    old.__setstate__(state)
    assert old.encoder is None
    np.testing.assert_allclose(old.transform(TEXTS).toarray(), fitted.transform(TEXTS).toarray())
