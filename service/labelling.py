"""Label a stream of chat records in bounded batches, keeping input order and constant memory."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from service.dynamics import DynamicsAccumulator
from service.records import ChatRecord, labelled_record

DEFAULT_BATCH_SIZE = 512


class Classifier(Protocol):
    """What labelling needs from `service.predictor.Predictor`."""

    def classify(self, texts: list[str], *, explain: bool = False) -> list[dict[str, Any]]: ...


def label_records(
    records: Iterable[ChatRecord],
    predictor: Classifier,
    *,
    explain: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Iterator[dict[str, Any]]:
    """Yield one labelled record (the contract's shape) per input record, in input order.

    At most `batch_size` records are held at a time, so a chat of any length streams through in
    constant memory. Only `kind == "message"` records are classified; system and media records
    come out with `labels: []`, `primary: "none"`, `scores: null`.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    batch: list[ChatRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) >= batch_size:
            yield from _label_batch(batch, predictor, explain=explain)
            batch = []
    if batch:
        yield from _label_batch(batch, predictor, explain=explain)


def _label_batch(batch: list[ChatRecord], predictor: Classifier, *, explain: bool) -> Iterator[dict[str, Any]]:
    """Classify the message records of one batch in a single model call."""
    texts = [record.text for record in batch if record.kind == "message"]
    predictions = iter(predictor.classify(texts, explain=explain) if texts else [])
    produced = 0
    for record in batch:
        if record.kind == "message":
            prediction = next(predictions, None)
            if prediction is None:
                raise RuntimeError(f"the model returned {produced} results for {len(texts)} texts")
            produced += 1
            yield labelled_record(record, prediction)
        else:
            yield labelled_record(record, None)


def label_conversation(
    records: Iterable[ChatRecord],
    predictor: Classifier,
    *,
    explain: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> dict[str, Any]:
    """Label a whole conversation held in memory: `{"results": [...], "summary": {...}}`.

    For the API, whose answer holds every result anyway; the summary is built as the results
    stream by, exactly as `attune label --summary` builds it.
    """
    dynamics = DynamicsAccumulator()
    results = []
    for result in label_records(records, predictor, explain=explain, batch_size=batch_size):
        dynamics.add(result)
        results.append(result)
    return {"results": results, "summary": dynamics.summary()}
