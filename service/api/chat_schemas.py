"""Request and response models of POST /v1/conversations/label and POST /v1/chats/label.

The labelled results reuse `schemas.LabelledMessage` (the contract's record); the summary is the
dynamics summary of `service.dynamics`, documented there and in the README.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.api.schemas import (
    EXAMPLE_MODEL,
    EXAMPLE_RESULT,
    CleanStr,
    LabelledMessage,
    MessageText,
    ModelInfo,
)

EXAMPLE_CONVERSATION = [
    {"text": "I miss you, can you call tonight?", "speaker": "Sam", "timestamp": "2024-02-14T21:05:00"},
    {"text": "I can't tonight, I need some space", "speaker": "Alex", "timestamp": "2024-02-14T21:20:00"},
]


class ConversationMessageIn(BaseModel):
    """One message of a conversation: who sent it, and when if known (ISO 8601)."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [EXAMPLE_CONVERSATION[0]]},
    )

    text: MessageText = Field(description="The message; not blank, at most max_chars characters.")
    speaker: CleanStr = Field(min_length=1, max_length=256, description="Who sent it.")
    timestamp: CleanStr | None = Field(
        default=None,
        max_length=64,
        description="When it was sent, ISO 8601 (e.g. 2024-02-14T21:05:00 or with a zone).",
    )
    id: CleanStr | None = Field(default=None, max_length=256, description="Echoed back.")

    @field_validator("timestamp")
    @classmethod
    def _iso_timestamp(cls, value: str | None) -> str | None:
        """Normalise to ISO 8601 (UTC when a zone is given); reject what is not a date."""
        if value is None:
            return None
        from service.readers.common import parse_timestamp

        try:
            return parse_timestamp(value)
        except ValueError as e:
            raise ValueError("timestamp is not an ISO 8601 date and time") from e


class ConversationRequest(BaseModel):
    """A conversation in order; `explain` adds the explanation to each result."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"messages": EXAMPLE_CONVERSATION, "explain": False}]},
    )

    messages: list[ConversationMessageIn] = Field(
        min_length=1, description="At least one and at most the server's max_messages."
    )
    explain: bool = Field(default=False, description="Return the explanation of each result.")


class ConversationResponse(BaseModel):
    """The model, one result per message in order, and the conversation's dynamics summary."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"model": EXAMPLE_MODEL, "results": [EXAMPLE_RESULT], "summary": {}}]}
    )

    model: ModelInfo
    results: list[LabelledMessage]
    summary: dict[str, Any] = Field(
        description="Dynamics: per speaker label rates, bids turned toward/away/against, "
        "pursue-withdraw runs, repairs accepted, positive:negative ratio (see the README)."
    )
    warnings: list[str] = Field(
        default_factory=list,
        description="What the reader noticed in an uploaded file (e.g. ambiguous date order).",
    )
