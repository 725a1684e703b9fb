"""Label a batch of API messages with the model: the work behind POST /v1/classify, HTTP-free."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request

from service.api.access import add_log_fields
from service.api.metrics import Metrics
from service.api.schemas import MessageIn
from service.predictor import Predictor
from service.records import ChatRecord, labelled_record


def model_info(predictor: Predictor) -> dict[str, str]:
    """The `{"name", "version"}` object every labelling response starts with."""
    return {"name": str(predictor.name), "version": str(predictor.version)}


def classify_messages(*, messages: Sequence[MessageIn], explain: bool, predictor: Predictor) -> dict[str, Any]:
    """Classify `messages` in order; one contract record per message, explanation only if asked.

    CPU-bound: call it through `service.api.offload.run_model_work`.
    """
    predictions = predictor.classify([m.text for m in messages], explain=explain)
    if len(predictions) != len(messages):
        raise RuntimeError(f"model returned {len(predictions)} results for {len(messages)} texts")
    results = [
        labelled_record(ChatRecord(text=m.text, id=m.id, speaker=m.speaker), prediction)
        for m, prediction in zip(messages, predictions, strict=True)
    ]
    return {"model": model_info(predictor), "results": results}


def label_counts(results: Sequence[dict[str, Any]]) -> dict[str, int]:
    """How many results carry each label (`none` for results with no label), for logs."""
    counts: Counter[str] = Counter()
    for result in results:
        labels = result.get("labels") or ["none"]
        counts.update(labels)
    return dict(sorted(counts.items()))


def record_labelling(
    request: Request, metrics: Metrics, texts: Sequence[str], *, explain: bool, results: Sequence[dict[str, Any]]
) -> None:
    """Count the predictions per label and tag the request's log line: counts and lengths, no text."""
    metrics.observe_predictions(results)
    add_log_fields(
        request,
        messages=len(texts),
        chars=sum(map(len, texts)),
        explain=explain,
        labels=label_counts(results),
    )
