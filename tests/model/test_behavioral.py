"""Model tier: minimum functionality, invariance and directional expectations on the built model.

Cases come from ../shared/LABELING.md's examples and decided hard cases, reworded where the guide's
own sentence might sit in the corpus; each states the behaviour a user relies on.
"""

from __future__ import annotations

import pytest

from service.predictor import Predictor

MINIMUM = [
    ("I miss you so much, I feel so alone lately", "closeness_bid"),
    ("do you still love me? are we ok?", "closeness_bid"),
    ("who were you texting at 2am??", "closeness_bid"),
    ("I need a night to myself", "distance_bid"),
    ("LEAVE ME ALONE. stop texting me", "distance_bid"),
    ("can we not do this now, I don't want to talk about it", "distance_bid"),
    ("you're so selfish, this is all your fault", "criticism"),
    ("I'm sorry, I overreacted. you're right", "repair_attempt"),
    ("I'm not going anywhere, we'll figure this out", "repair_attempt"),
    # Variants the guide's wording does not cover, once missed (corpus rounds four and five):
    ("I never should have said that.", "repair_attempt"),
    ("I-I never should have said that.", "repair_attempt"),
    ("love you lots dear", "closeness_bid"),
    ("good morning my love, how are you feeling?", "closeness_bid"),
]
NONE = [
    "running 10 min late",
    "did you pay the electric bill?",
    "ok see you at 6",
    "lol",
    "sorry, running 5 min late",
    "there's no parking space near the station",
    "my sister says she needs space from her husband",
    "Dear all, the meeting moved to 3",
]


@pytest.mark.parametrize(("text", "label"), MINIMUM)
def test_minimum_functionality(predictor: Predictor, text: str, label: str) -> None:
    assert label in predictor.classify([text])[0]["labels"]


@pytest.mark.parametrize("text", NONE)
def test_everyday_messages_are_none(predictor: Predictor, text: str) -> None:
    assert predictor.classify([text])[0]["labels"] == []


def test_both_labels_for_criticising_distance(predictor: Predictor) -> None:
    labels = predictor.classify(["you ALWAYS shut me out when I need you"])[0]["labels"]
    assert {"closeness_bid", "criticism"} <= set(labels)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Sam, I miss you so much", "Priya, I miss you so much"),
        ("sorry I yelled at you last night", "sorry I yelled at you this morning"),
        ("you never listen to me!!", "you never listen to me!"),
    ],
)
def test_invariance_to_names_times_and_emphasis(predictor: Predictor, a: str, b: str) -> None:
    assert predictor.classify([a])[0]["labels"] == predictor.classify([b])[0]["labels"]


def test_directional_apology_raises_repair(predictor: Predictor) -> None:
    base, more = predictor.classify(["that was a mess last night", "I'm sorry, that was a mess last night"])
    assert more["scores"]["repair_attempt"] > base["scores"]["repair_attempt"]


def test_directional_negation_lowers_distance(predictor: Predictor) -> None:
    plain, negated = predictor.classify(["I need space", "I don't need space"])
    assert negated["scores"]["distance_bid"] < plain["scores"]["distance_bid"]
