"""The neutral message record every reader yields and every output line is built from."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Kind = Literal["message", "system", "media"]
LABELS: tuple[str, ...] = ("closeness_bid", "distance_bid", "criticism", "repair_attempt")


@dataclass(slots=True)
class ChatRecord:
    """One message as read from any input: timestamps are ISO 8601 strings or None."""

    text: str
    id: str | None = None
    conversation: str | None = None
    timestamp: str | None = None
    speaker: str | None = None
    kind: Kind = "message"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def labelled_record(record: ChatRecord, prediction: dict[str, Any] | None) -> dict[str, Any]:
    """The contract's output record: the input fields plus labels, primary, scores (and explanation).

    `prediction` is one item from `Predictor.classify`, or None for system and media records.
    """
    out: dict[str, Any] = {
        "id": record.id,
        "conversation": record.conversation,
        "timestamp": record.timestamp,
        "speaker": record.speaker,
        "kind": record.kind,
        "text": record.text,
    }
    if prediction is None:
        out.update(labels=[], primary="none", scores=None)
        return out
    out.update(labels=prediction["labels"], primary=prediction["primary"], scores=prediction["scores"])
    if "explanation" in prediction:
        out["explanation"] = prediction["explanation"]
    return out
