"""Load the model for the service and prove it works before the service calls itself ready.

`Predictor.load` checks the sha256 of every model file; the smoke prediction then checks that
the loaded model answers in the contract's shape.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from service.api.schemas import Taxonomy
from service.errors import ModelIntegrityError
from service.paths import TAXONOMY_PATH
from service.predictor import Predictor
from service.records import LABELS

SMOKE_TEXTS: tuple[str, ...] = ("I miss you, can you call tonight?", "running 10 min late")


def smoke_check(predictor: Predictor) -> None:
    """Classify two fixed texts with explanations; raise ModelIntegrityError if the shape is off."""
    results = predictor.classify(list(SMOKE_TEXTS), explain=True)
    if len(results) != len(SMOKE_TEXTS):
        raise ModelIntegrityError("smoke prediction returned the wrong number of results")
    for text, result in zip(SMOKE_TEXTS, results, strict=True):
        scores = result.get("scores") or {}
        if set(scores) != set(LABELS) or not all(0.0 <= float(v) <= 1.0 for v in scores.values()):
            raise ModelIntegrityError("smoke prediction: scores missing or outside [0, 1]")
        if not set(result.get("labels", [])) <= set(LABELS):
            raise ModelIntegrityError("smoke prediction has an unknown label")
        for span in result.get("explanation", {}).get("spans", []):
            if text[span["start"] : span["end"]] != span["text"]:
                raise ModelIntegrityError("smoke prediction: a span does not match its text")


def load_ready_predictor(model_dir: Path | None) -> Predictor:
    """Load (hash-checked) and smoke-test the model; raises AttuneError subclasses on failure."""
    predictor = Predictor.load(model_dir)
    smoke_check(predictor)
    return predictor


def load_taxonomy(path: Path = TAXONOMY_PATH) -> dict[str, Any]:
    """The label taxonomy, validated against its schema so GET /v1/labels cannot fail later."""
    with path.open(encoding="utf-8") as f:
        data = json.load(f)
    Taxonomy.model_validate(data)
    return data
