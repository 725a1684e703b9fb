"""Signal, as written by signal-export: `chat.md` (minute or second precision) and `data.json`.

A path may be one `chat.md` or `data.json`, one chat's folder, or the export's top folder
holding a folder per chat (read in name order). `chat.md` is preferred when both exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from service.errors import InputFormatError
from service.readers.common import ReadContext, Source, iter_json_lines, iter_lines, open_text, parse_timestamp
from service.records import ChatRecord, Kind

NAME = "signal"
HEADER = re.compile(
    r"^\[(?P<date>\d{4}-\d{2}-\d{2})[ T,]+(?P<time>\d{1,2}:\d{2}(?::\d{2})?)\] (?P<rest>.*)$",
    re.DOTALL,
)
_ATTACHMENT = re.compile(r"!?\[[^\]]*\]\([^)]*\)")
_REACTIONS = re.compile(r"\n\(- .* -\)$")
_STICKER = re.compile(r"\n?\(\( .* \)\)$")
DELETED = "(This message was deleted)"


def is_data_line(obj: dict[str, Any]) -> bool:
    """Whether one JSON object is a line of signal-export's data.json."""
    return {"date", "sender", "body"} <= obj.keys()


def read(source: Source, ctx: ReadContext) -> Iterator[ChatRecord]:
    """Yield messages of one chat file or of every chat folder under a directory."""
    if not source.is_dir:
        yield from _read_file(source, ctx, conversation=_chat_name(source.path))
        return
    assert source.path is not None
    folders = [source.path] if _chat_file(source.path) else sorted(
        p for p in source.path.iterdir() if p.is_dir() and _chat_file(p))
    if not folders:
        raise InputFormatError(f"signal: {source.name} holds no chat.md or data.json")
    for folder in folders:
        chat = _chat_file(folder)
        assert chat is not None
        yield from _read_file(Source(path=chat), ctx, conversation=folder.name)


def _chat_file(folder: Path) -> Path | None:
    for name in ("chat.md", "data.json"):
        if (folder / name).is_file():
            return folder / name
    return None


def _chat_name(path: Path | None) -> str | None:
    if path is None or path.name not in ("chat.md", "data.json"):
        return None
    return path.parent.name or None


def _read_file(source: Source, ctx: ReadContext, *, conversation: str | None) -> Iterator[ChatRecord]:
    first = source.head(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if first.startswith(b"{"):
        yield from _read_data_json(source, ctx, conversation)
    else:
        yield from _read_markdown(source, ctx, conversation)


def _read_markdown(source: Source, ctx: ReadContext,
                   conversation: str | None) -> Iterator[ChatRecord]:
    pending: ChatRecord | None = None
    with source.open() as raw, open_text(raw, encoding=ctx.encoding) as text:
        for number, line in iter_lines(text, fmt=NAME):
            match = HEADER.match(line.lstrip("\ufeff"))
            if match is None:
                if pending is not None:
                    pending.text += "\n" + line
                elif line.strip():
                    ctx.bad_line(number, "signal: text before the first dated message line")
                else:
                    ctx.skipped += 1
                continue
            try:
                stamp = parse_timestamp(f"{match['date']}T{match['time']}")
            except ValueError:
                ctx.bad_line(number, "signal: message line has an impossible date")
                continue
            if pending is not None:
                yield _finish(pending)
            speaker, _, body = match["rest"].partition(": ")
            pending = ChatRecord(text=body, id=str(number), conversation=conversation,
                                 timestamp=stamp, speaker=speaker)
    if pending is not None:
        yield _finish(pending)


def _finish(record: ChatRecord) -> ChatRecord:
    """Drop the reaction and sticker trailers; attachments alone make a media record."""
    body = _STICKER.sub("", _REACTIONS.sub("", record.text))
    if body == DELETED:
        record.kind = "system"
    elif _ATTACHMENT.search(body) and not _ATTACHMENT.sub("", body).strip():
        record.kind = "media"
    elif not body.strip() and body != record.text:
        record.kind = "media"  # a sticker only
    record.text = body
    return record


def _read_data_json(source: Source, ctx: ReadContext,
                    conversation: str | None) -> Iterator[ChatRecord]:
    for number, obj in iter_json_lines(source, ctx, fmt=NAME, what="signal: data.json line"):
        if not isinstance(obj, dict) or not is_data_line(obj):
            ctx.bad_line(number, "signal: data.json line lacks date, sender or body")
            continue
        try:
            stamp = parse_timestamp(obj["date"])
        except ValueError:
            ctx.bad_line(number, "signal: data.json line has an unreadable date")
            continue
        body = obj.get("body") or ""
        kind: Kind = "message"
        if obj.get("deleted") or obj.get("call"):
            kind = "system"
        elif not body and (obj.get("attachments") or obj.get("sticker")):
            kind, body = "media", "<attachment>"
        yield ChatRecord(text=body, id=str(number), conversation=conversation,
                         timestamp=stamp, speaker=str(obj["sender"]), kind=kind)
