"""Facebook Messenger `message_N.json` (and the end-to-end-encrypted camelCase variant).

Meta writes messages newest first, split over message_1.json, message_2.json, ...; this
reader merges the files of a thread folder and yields them oldest first. Text in the
classic export is UTF-8 read as latin-1 (mojibake) and is repaired only where it is.
Instagram uses the same layout and reuses `read_thread`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from service.errors import InputFormatError
from service.readers.common import ReadContext, Source, fix_mojibake, parse_timestamp
from service.readers.jsondoc import load_json, require
from service.records import ChatRecord, Kind

NAME = "messenger"
MEDIA_KEYS = ("photos", "videos", "audio_files", "gifs", "sticker", "files", "media")
SYSTEM_TYPES = {"Call", "Subscribe", "Unsubscribe", "call", "subscribe", "unsubscribe"}
_PART = re.compile(r"^message_(\d+)\.json$")


def read(source: Source, ctx: ReadContext) -> Iterator[ChatRecord]:
    """Read a thread folder (all its message_N.json) or one JSON file."""
    return read_thread(source, ctx, fmt=NAME)


def thread_files(folder: Path) -> list[Path]:
    """The message_N.json files of a thread, in N order."""
    files = [p for p in folder.iterdir() if _PART.match(p.name)]
    return sorted(files, key=lambda p: int(_PART.match(p.name)[1]))  # type: ignore[index]


def read_thread(source: Source, ctx: ReadContext, *, fmt: str) -> Iterator[ChatRecord]:
    """Merge a thread's files and yield its messages oldest first (ties keep file order)."""
    if source.is_dir:
        assert source.path is not None
        files = thread_files(source.path)
        if not files:
            raise InputFormatError(f"{fmt}: {source.name} holds no message_N.json files")
        docs = [_load(Source(path=p), ctx, fmt) for p in files]
    else:
        docs = [_load(source, ctx, fmt)]
    items: list[tuple[float, int, ChatRecord]] = []
    sequence = 0
    for doc in docs:
        messages = doc.get("messages")
        require(isinstance(messages, list), fmt, "no messages list")
        conversation = _text(doc.get("title") or doc.get("threadName"), doc)
        for message in messages:
            sequence += 1
            if not isinstance(message, dict):
                ctx.bad_line(sequence, f"{fmt}: a message is not a JSON object")
                continue
            millis, record = _record(message, doc, conversation, fmt, sequence, ctx)
            items.append((millis, -sequence, record))
    items.sort(key=lambda item: (item[0], item[1]))
    for number, (_, _, record) in enumerate(items, start=1):
        record.id = str(number)
        yield record


def _load(source: Source, ctx: ReadContext, fmt: str) -> dict[str, Any]:
    with source.open() as raw:
        doc = load_json(raw, fmt=fmt, encoding=ctx.encoding)
    require(isinstance(doc, dict), fmt, "expected a JSON object at the top")
    return doc


def _camel(doc: dict[str, Any]) -> bool:
    return "threadName" in doc or any(
        isinstance(m, dict) and "senderName" in m for m in doc.get("messages", [])[:5])


def _text(value: Any, doc: dict[str, Any]) -> str | None:
    if not isinstance(value, str):
        return None
    return value if _camel(doc) else fix_mojibake(value)


def _record(message: dict[str, Any], doc: dict[str, Any], conversation: str | None, fmt: str,
            sequence: int, ctx: ReadContext) -> tuple[float, ChatRecord]:
    camel = "senderName" in message or "isUnsent" in message
    speaker = message.get("senderName") if camel else message.get("sender_name")
    content = message.get("text") if camel else message.get("content")
    millis = message.get("timestamp") if camel else message.get("timestamp_ms")
    text = _text(content, doc) or ""
    kind: Kind = "message"
    if message.get("is_unsent") or message.get("isUnsent"):
        kind, text = "system", text or "<message unsent>"
    elif message.get("type") in SYSTEM_TYPES:
        kind = "system"
    elif not text and any(message.get(k) for k in MEDIA_KEYS):
        kind, text = "media", "<" + next(k for k in MEDIA_KEYS if message.get(k)) + ">"
    try:
        stamp = parse_timestamp(millis, unit="ms") if isinstance(millis, int | float) else None
    except ValueError:
        stamp = None
    if stamp is None:
        ctx.warn(f"{fmt}: some messages have no readable timestamp")
    record = ChatRecord(text=text, id=None, conversation=conversation, timestamp=stamp,
                        speaker=_text(speaker, doc), kind=kind)
    return (float(millis) if isinstance(millis, int | float) else float("-inf")), record
