"""Streaming labelling with the real model: order, kinds, batches, laziness, the conversation form."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.labelling import label_conversation, label_records
from service.records import LABELS, ChatRecord

TEXTS = [
    "I miss you so much, can you call me tonight?",
    "leave me alone, stop texting me",
    "you never listen to me, you're so selfish",
    "I'm sorry, I overreacted. I love you",
    "running 10 min late",
]


def records() -> list[ChatRecord]:
    out = [ChatRecord(text=text, id=str(i), speaker="AB"[i % 2]) for i, text in enumerate(TEXTS)]
    out.insert(2, ChatRecord(text="<Media omitted>", id="m", speaker="A", kind="media"))
    out.insert(0, ChatRecord(text="Messages are end-to-end encrypted.", id="s", kind="system"))
    return out


@pytest.mark.parametrize("batch_size", [1, 2, 3, 512])
def test_order_kinds_and_predictions_match_the_model(predictor, batch_size: int) -> None:
    inputs = records()
    out = list(label_records(inputs, predictor, batch_size=batch_size))
    assert [r["id"] for r in out] == [r.id for r in inputs]
    assert [r["text"] for r in out] == [r.text for r in inputs]
    direct = predictor.classify(TEXTS)
    messages = [r for r in out if r["kind"] == "message"]
    assert [(r["labels"], r["primary"], r["scores"]) for r in messages] == [
        (d["labels"], d["primary"], d["scores"]) for d in direct
    ]
    for r in out:
        if r["kind"] != "message":
            assert (r["labels"], r["primary"], r["scores"]) == ([], "none", None)
        else:
            assert set(r["scores"]) == set(LABELS)
        assert "explanation" not in r


def test_the_model_labels_the_clear_cases(predictor) -> None:
    out = {r["id"]: r for r in label_records(records(), predictor)}
    assert "closeness_bid" in out["0"]["labels"]
    assert "distance_bid" in out["1"]["labels"]
    assert "criticism" in out["2"]["labels"]
    assert "repair_attempt" in out["3"]["labels"]
    assert out["4"]["labels"] == []


def test_explanation_only_when_asked(predictor) -> None:
    out = list(label_records(records(), predictor, explain=True))
    for r in out:
        if r["kind"] == "message":
            spans = r["explanation"]["spans"]
            assert all(r["text"][s["start"] : s["end"]] == s["text"] for s in spans)
        else:
            assert "explanation" not in r


def test_records_are_pulled_at_most_one_batch_ahead(predictor) -> None:
    pulled = 0

    def source() -> Iterator[ChatRecord]:
        nonlocal pulled
        for i in range(100):
            pulled += 1
            yield ChatRecord(text=f"message {i}", id=str(i))

    stream = label_records(source(), predictor, batch_size=10)
    first = next(stream)
    assert first["id"] == "0"
    assert pulled == 10
    assert sum(1 for _ in stream) == 99
    assert pulled == 100


def test_empty_input_and_bad_batch_size(predictor) -> None:
    assert list(label_records([], predictor)) == []
    with pytest.raises(ValueError, match="batch_size"):
        list(label_records(records(), predictor, batch_size=0))


def test_label_conversation_returns_results_and_summary(predictor) -> None:
    inputs = [
        ChatRecord(text="I miss you, can we talk tonight?", id="1", speaker="Sam", timestamp="2024-02-14T21:00:00"),
        ChatRecord(text="leave me alone, I need space", id="2", speaker="Alex", timestamp="2024-02-14T21:05:00"),
    ]
    out = label_conversation(inputs, predictor)
    assert [r["id"] for r in out["results"]] == ["1", "2"]
    bids = out["summary"]["overall"]["bids"]
    assert bids["by_speaker"]["Sam"]["total"] == 1
    assert bids["by_speaker"]["Sam"]["turned_against"] == 1
    assert out["summary"]["overall"]["speakers"]["Alex"]["labels"]["distance_bid"] == 1
