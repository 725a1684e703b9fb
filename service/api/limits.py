"""Per-request limits from the settings: message count (413) and characters per message (422)."""

from __future__ import annotations

from collections.abc import Sequence

from service.api.errors import ApiError
from service.config import Settings


class TextTooLongError(ApiError):
    """One or more messages are longer than `max_chars`; the detail lists each one's location."""

    def __init__(self, problems: list[dict[str, object]]) -> None:
        super().__init__(422, "text too long", code="invalid_request")
        self.detail = problems  # type: ignore[assignment]


def check_message_limits(
    texts: Sequence[str], *, settings: Settings, loc: tuple[str | int, ...] = ("body", "messages")
) -> None:
    """Raise a 413 when there are too many messages, a 422 naming each message that is too long."""
    if len(texts) > settings.max_messages:
        raise ApiError(
            413,
            f"too many messages: {len(texts)}; at most {settings.max_messages} per request",
            code="too_many_messages",
        )
    problems: list[dict[str, object]] = [
        {
            "loc": [*loc, i, "text"],
            "msg": f"text is {len(text)} characters; at most {settings.max_chars} are allowed",
            "type": "string_too_long",
        }
        for i, text in enumerate(texts)
        if len(text) > settings.max_chars
    ]
    if problems:
        raise TextTooLongError(problems)
