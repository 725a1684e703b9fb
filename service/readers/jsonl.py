"""JSON Lines: one object per line with `text` and optional id, speaker, timestamp, conversation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from service.readers.common import ReadContext, Source, iter_json_lines, parse_timestamp
from service.records import ChatRecord

NAME = "jsonl"
KINDS = ("message", "system", "media")


def read(source: Source, ctx: ReadContext) -> Iterator[ChatRecord]:
    """Stream records; a line that is not a JSON object with a string `text` is a bad line."""
    for number, obj in iter_json_lines(source, ctx, fmt=NAME, what="jsonl: line"):
        record = _record(obj, number, ctx)
        if record is not None:
            yield record


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _record(obj: Any, number: int, ctx: ReadContext) -> ChatRecord | None:
    if not isinstance(obj, dict):
        ctx.bad_line(number, "jsonl: line is not a JSON object")
        return None
    text = obj.get("text")
    if not isinstance(text, str):
        ctx.bad_line(number, 'jsonl: missing string field "text"')
        return None
    kind = obj.get("kind", "message")
    if kind not in KINDS:
        ctx.bad_line(number, f'jsonl: "kind" must be one of {", ".join(KINDS)}')
        return None
    stamp = obj.get("timestamp")
    try:
        timestamp = parse_timestamp(stamp if isinstance(stamp, str | int | float) else None,
                                    dayfirst=ctx.dayfirst)
    except ValueError:
        ctx.bad_line(number, 'jsonl: "timestamp" is not a recognisable date')
        return None
    if stamp is not None and not isinstance(stamp, str | int | float):
        ctx.bad_line(number, 'jsonl: "timestamp" must be a string or a number')
        return None
    ident = obj.get("id")
    return ChatRecord(
        text=text,
        id=str(number) if ident is None else str(ident),
        conversation=_optional_str(obj.get("conversation")),
        timestamp=timestamp,
        speaker=_optional_str(obj.get("speaker")),
        kind=kind,
    )
