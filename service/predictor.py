"""Load a built model (hash-checked, no code execution) and classify messages with it.

`Predictor.classify(texts, explain=...)` returns one dict per text, in order:
    {"labels": [...], "primary": "closeness_bid" | ... | "none",
     "scores": {label: calibrated probability for all four labels},
     "explanation": {"cues": [...], "spans": [...], "bias": {...}}}   # only when explain=True
The explanation follows ../shared/CONTRACT.md exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any


class Predictor:
    """A loaded, verified model. Read-only after load; safe to share across threads."""

    name: str
    version: str
    card: dict[str, Any]
    model_dir: Path

    @classmethod
    def load(cls, model_dir: Path | None = None) -> Predictor:
        """Load `model_dir` (default: `service.paths.default_model_dir()`), verifying its sha256.

        Raises ModelNotFoundError when no model is built, ModelIntegrityError on a bad hash.
        """
        raise NotImplementedError("being written by the lead")

    def classify(self, texts: Sequence[str], *, explain: bool = False) -> list[dict[str, Any]]:
        raise NotImplementedError("being written by the lead")
