"""Telegram Desktop `result.json`: one chat, or the full export with `chats.list[]`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from service.readers.common import ReadContext, Source, parse_timestamp
from service.readers.jsondoc import load_json, require
from service.records import ChatRecord, Kind

NAME = "telegram"
MEDIA_KEYS = ("photo", "file", "media_type", "sticker_emoji", "location_information",
              "contact_information", "poll")


def read(source: Source, ctx: ReadContext) -> Iterator[ChatRecord]:
    """Yield every chat's messages in file order; service messages are `system`."""
    with source.open() as raw:
        doc = load_json(raw, fmt=NAME, encoding=ctx.encoding)
    require(isinstance(doc, dict), NAME, "expected a JSON object at the top")
    for chat in chats(doc):
        conversation = chat.get("name") or (str(chat["id"]) if "id" in chat else None)
        messages = chat.get("messages")
        require(isinstance(messages, list), NAME, "a chat has no messages list")
        for index, message in enumerate(messages, start=1):
            if not isinstance(message, dict):
                ctx.bad_line(index, "telegram: a message is not a JSON object")
                continue
            yield _record(message, index, conversation, ctx)


def chats(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The chats of a single-chat export or of a full export (chats and left chats)."""
    if "messages" in doc:
        return [doc]
    found: list[dict[str, Any]] = []
    for key in ("chats", "left_chats"):
        section = doc.get(key)
        if isinstance(section, dict) and isinstance(section.get("list"), list):
            found.extend(c for c in section["list"] if isinstance(c, dict))
    require(bool(found) or "chats" in doc, NAME, "no messages or chats.list in result.json")
    return found


def flatten_text(value: Any) -> str:
    """`text` as a plain string, whether a string or a list of strings and entities."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(part if isinstance(part, str) else str(part.get("text", ""))
                       for part in value if isinstance(part, str | dict))
    return ""


def _record(message: dict[str, Any], index: int, conversation: str | None,
            ctx: ReadContext) -> ChatRecord:
    text = flatten_text(message.get("text", ""))
    kind: Kind = "message"
    speaker = message.get("from") or message.get("from_id")
    if message.get("type") == "service":
        kind = "system"
        speaker = message.get("actor") or message.get("actor_id")
        if not text:
            text = str(message.get("action", "service message")).replace("_", " ")
    elif not text and any(key in message for key in MEDIA_KEYS):
        kind = "media"
        text = f"<{message.get('media_type') or ('photo' if 'photo' in message else 'file')}>"
    try:
        if message.get("date_unixtime"):
            stamp = parse_timestamp(str(message["date_unixtime"]), unit="s")
        else:
            stamp = parse_timestamp(message.get("date"))
    except ValueError:
        ctx.bad_line(index, "telegram: a message has an unreadable date")
        stamp = None
    ident = message.get("id")
    return ChatRecord(text=text, id=str(ident) if ident is not None else str(index),
                      conversation=conversation, timestamp=stamp,
                      speaker=None if speaker is None else str(speaker), kind=kind)
