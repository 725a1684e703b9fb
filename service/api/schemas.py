"""Request and response models of the HTTP API, with the examples shown in the OpenAPI document.

Requests are strict and forbid unknown fields (422). Lone surrogates (`"\\ud800"` in JSON) in any
request string are replaced with U+FFFD, one for one, so offsets into `text` stay valid.
The labelled message follows ../shared/CONTRACT.md exactly.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

LabelName = Literal["closeness_bid", "distance_bid", "criticism", "repair_attempt"]
PrimaryName = Literal["closeness_bid", "distance_bid", "criticism", "repair_attempt", "none"]
Kind = Literal["message", "system", "media"]

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT_CHAR = "\ufffd"


def replace_lone_surrogates(value: str) -> str:
    """Replace each unpaired UTF-16 surrogate (not encodable as UTF-8) with U+FFFD."""
    return _LONE_SURROGATE.sub(REPLACEMENT_CHAR, value)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("text is empty or only whitespace")
    return value


CleanStr = Annotated[str, AfterValidator(replace_lone_surrogates)]
MessageText = Annotated[str, AfterValidator(replace_lone_surrogates), AfterValidator(_not_blank)]

EXAMPLE_TEXT = "I miss you, can you call tonight?"
EXAMPLE_SCORES = {
    "closeness_bid": 0.97,
    "distance_bid": 0.02,
    "criticism": 0.01,
    "repair_attempt": 0.03,
}
EXAMPLE_BIAS = {
    "closeness_bid": -1.9,
    "distance_bid": -2.4,
    "criticism": -2.7,
    "repair_attempt": -2.2,
}
EXAMPLE_MODEL = {"name": "attune-linear", "version": "1.0.0"}
EXAMPLE_EXPLANATION: dict[str, Any] = {
    "cues": [
        {
            "cue": "C2",
            "label": "closeness_bid",
            "start": 2,
            "end": 10,
            "text": "miss you",
            "description": "Speaks of missing the other person, of loneliness, ...",
            "source": "Paradox of Closeness and Distance",
        }
    ],
    "spans": [{"label": "closeness_bid", "start": 2, "end": 10, "text": "miss you", "weight": 1.84}],
    "bias": EXAMPLE_BIAS,
}
EXAMPLE_RESULT: dict[str, Any] = {
    "id": "42",
    "conversation": None,
    "timestamp": None,
    "speaker": "Sam",
    "kind": "message",
    "text": EXAMPLE_TEXT,
    "labels": ["closeness_bid"],
    "primary": "closeness_bid",
    "scores": EXAMPLE_SCORES,
}


# ---- requests ----------------------------------------------------------------------------------


class MessageIn(BaseModel):
    """One message to classify."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"text": EXAMPLE_TEXT, "id": "42", "speaker": "Sam"}]},
    )

    text: MessageText = Field(
        description="The message; not blank, at most the server's max_chars characters "
        "(5,000 by default). Lone surrogates become U+FFFD.",
        examples=[EXAMPLE_TEXT],
    )
    id: CleanStr | None = Field(default=None, max_length=256, description="Echoed back.")
    speaker: CleanStr | None = Field(default=None, max_length=256, description="Echoed back.")


class ClassifyRequest(BaseModel):
    """Messages to label, in order; `explain` adds spans and cue citations to each result."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "messages": [
                        {"text": EXAMPLE_TEXT, "id": "42", "speaker": "Sam"},
                        {"text": "running 10 min late"},
                    ],
                    "explain": False,
                }
            ]
        },
    )

    messages: list[MessageIn] = Field(
        min_length=1,
        description="At least one and at most the server's max_messages (1,000 by default).",
    )
    explain: bool = Field(default=False, description="Return the explanation of each result.")


# ---- responses ---------------------------------------------------------------------------------


class ModelInfo(BaseModel):
    """Which model answered."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_MODEL]})

    name: str
    version: str


class Scores(BaseModel):
    """Calibrated probability of each label, in [0, 1]."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_SCORES]})

    closeness_bid: float
    distance_bid: float
    criticism: float
    repair_attempt: float


class Bias(BaseModel):
    """Each label's intercept, in log-odds: the raw score of a text with no features."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_BIAS]})

    closeness_bid: float
    distance_bid: float
    criticism: float
    repair_attempt: float


class CueCitation(BaseModel):
    """A cue of the labeling guideline found in the text, with where it is defined."""

    cue: str = Field(description="Cue id, e.g. C2.")
    label: LabelName
    start: int = Field(description="Character offset into `text` (Python indexing).")
    end: int
    text: str = Field(description="Equals the message's text[start:end].")
    description: str
    source: str


class Span(BaseModel):
    """A part of the text that pushes one label's raw score up (weight > 0) or down (< 0)."""

    label: LabelName
    start: int
    end: int
    text: str = Field(description="Equals the message's text[start:end].")
    weight: float = Field(description="Contribution to the label's raw score, in log-odds.")


class Explanation(BaseModel):
    """Why: cue citations, spans for all four labels, and the bias they add up with."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_EXPLANATION]})

    cues: list[CueCitation]
    spans: list[Span]
    bias: Bias


class LabelledMessage(BaseModel):
    """One labelled message; `explanation` is present only when it was asked for."""

    model_config = ConfigDict(json_schema_extra={"examples": [{**EXAMPLE_RESULT, "explanation": EXAMPLE_EXPLANATION}]})

    id: str | None
    conversation: str | None
    timestamp: str | None
    speaker: str | None
    kind: Kind
    text: str
    labels: list[LabelName]
    primary: PrimaryName
    scores: Scores | None = Field(description="Null for system and media records.")
    explanation: Explanation | None = Field(
        default=None, description="Only present when the request set explain: true."
    )


class ClassifyResponse(BaseModel):
    """The model that answered and one result per message, in request order."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"model": EXAMPLE_MODEL, "results": [EXAMPLE_RESULT]}]})

    model: ModelInfo
    results: list[LabelledMessage]


class TaxonomySource(BaseModel):
    title: str
    topic: str


class TaxonomyCue(BaseModel):
    id: str
    description: str
    sources: list[str]
    patterns: str | None = None


class TaxonomyLabel(BaseModel):
    id: LabelName
    name: str
    description: str
    sources: list[str]
    cues: list[TaxonomyCue]


class TaxonomyNone(BaseModel):
    id: Literal["none"]
    description: str


class Taxonomy(BaseModel):
    """The label scheme: labels, their cues, descriptions and the articles they come from."""

    model_config = ConfigDict(extra="allow")

    version: str
    scheme: str
    sources: list[TaxonomySource]
    none: TaxonomyNone
    labels: list[TaxonomyLabel]
    also_counts_as: dict[str, list[LabelName]] = Field(
        default_factory=dict, description="Cues that count for a second label too."
    )


class ModelCard(BaseModel):
    """The model card of the loaded model, as built by `attune train`."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={"examples": [{**EXAMPLE_MODEL, "labels": list(EXAMPLE_SCORES)}]},
    )


class Health(BaseModel):
    """Liveness: the process answers."""

    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    """Readiness: the model is loaded, hash-checked and passed a smoke prediction."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ready", "model": EXAMPLE_MODEL}]})

    status: Literal["ready", "not_ready"]
    model: ModelInfo | None = None


class ErrorResponse(BaseModel):
    """Every error: a machine-readable code and a message (or a list of field problems)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"error": "payload_too_large", "detail": "at most 1000 messages per request"}]}
    )

    error: str
    detail: str | list[dict[str, Any]]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in (
        (401, "Missing or invalid API key (when keys are configured)."),
        (413, "Body, message count or upload over the limit."),
        (422, "Invalid request: wrong types, unknown fields, blank or too long text."),
        (503, "The model is not loaded yet."),
    )
}
