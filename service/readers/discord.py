"""Discord, as exported by DiscordChatExporter: its JSON and its CSV layouts."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from service.errors import InputFormatError
from service.readers.common import ReadContext, Source, open_text, parse_timestamp
from service.readers.jsondoc import load_json, require
from service.records import ChatRecord, Kind

NAME = "discord"
MESSAGE_TYPES = {"Default", "Reply", "ThreadStarterMessage", "ChatInputCommand",
                 "ContextMenuCommand"}
CSV_COLUMNS = ("AuthorID", "Author", "Date", "Content")


def read(source: Source, ctx: ReadContext) -> Iterator[ChatRecord]:
    """Read the JSON export, or the CSV export when the input does not start with '{'."""
    first = source.head(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if first.startswith(b"{"):
        yield from _read_json(source, ctx)
    else:
        yield from _read_csv(source, ctx)


def _read_json(source: Source, ctx: ReadContext) -> Iterator[ChatRecord]:
    with source.open() as raw:
        doc = load_json(raw, fmt=NAME, encoding=ctx.encoding)
    require(isinstance(doc, dict) and isinstance(doc.get("messages"), list), NAME,
            "expected an object with a messages list")
    channel = doc.get("channel") or {}
    conversation = channel.get("name") if isinstance(channel, dict) else None
    for index, message in enumerate(doc["messages"], start=1):
        if not isinstance(message, dict):
            ctx.bad_line(index, "discord: a message is not a JSON object")
            continue
        yield _json_record(message, index, conversation, ctx)


def _json_record(message: dict[str, Any], index: int, conversation: str | None,
                 ctx: ReadContext) -> ChatRecord:
    author = message.get("author") or {}
    speaker = author.get("nickname") or author.get("name") if isinstance(author, dict) else None
    text = message.get("content") or ""
    kind: Kind = "message"
    if message.get("type", "Default") not in MESSAGE_TYPES:
        kind = "system"
        text = text or str(message.get("type"))
    elif not text and (message.get("attachments") or message.get("stickers")
                       or message.get("embeds")):
        kind, text = "media", "<attachment>"
    try:
        stamp = parse_timestamp(message.get("timestamp"))
    except ValueError:
        ctx.bad_line(index, "discord: a message has an unreadable timestamp")
        stamp = None
    ident = message.get("id")
    return ChatRecord(text=text, id=str(ident) if ident else str(index),
                      conversation=conversation, timestamp=stamp, speaker=speaker, kind=kind)


def _read_csv(source: Source, ctx: ReadContext) -> Iterator[ChatRecord]:
    with source.open() as raw, open_text(raw, encoding=ctx.encoding, csv=True) as text:
        reader = csv.DictReader(text)
        if reader.fieldnames is None or not set(CSV_COLUMNS) <= set(reader.fieldnames):
            raise InputFormatError("discord: CSV header is not AuthorID,Author,Date,Content,...",
                                   line=1)
        line = 2
        try:
            for row in reader:
                stamp = None
                try:
                    stamp = parse_timestamp(row["Date"])
                except ValueError:
                    ctx.bad_line(line, "discord: unreadable Date")
                text_value = (row["Content"] or "").replace("\r\n", "\n")
                kind: Kind = "message"
                if not text_value and row.get("Attachments"):
                    kind, text_value = "media", "<attachment>"
                yield ChatRecord(text=text_value, id=str(line), timestamp=stamp,
                                 speaker=row["Author"], kind=kind)
                line = reader.line_num + 1
        except csv.Error as e:
            raise InputFormatError(f"discord: {e}", line=reader.line_num) from e
