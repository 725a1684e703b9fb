"""iMessage, as exported to `.txt` by imessage-exporter.

Each message is a timestamp line (maybe with "(Read by ... after ...)"), a sender line,
the body, and a blank line. A blank line followed by anything but a timestamp belongs to
the body. A timestamp line followed by text on the same line is an announcement
(e.g. a renamed conversation) and becomes a `system` record.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from service.readers.common import ReadContext, Source, iter_lines, open_text, parse_timestamp
from service.records import ChatRecord, Kind

NAME = "imessage"
STAMP = re.compile(
    r"^(?P<stamp>[A-Z][a-z]{2} \d{1,2}, \d{4} {1,2}\d{1,2}:\d{2}:\d{2} [AP]M)(?P<rest>.*)$"
)
_READ = re.compile(r"^ \((Read|Delivered) by .*\)$")
ATTACHMENT = re.compile(r"^(/|~/).+/Attachments/.+|^Attachment missing!?$|^Sticker from .+: .+")


def is_stamp_line(line: str) -> bool:
    """Whether a line starts a message or an announcement in imessage-exporter's text."""
    return STAMP.match(line.lstrip("\ufeff")) is not None


def read(source: Source, ctx: ReadContext) -> Iterator[ChatRecord]:
    """Stream messages; id is the line number of the message's timestamp."""
    conversation = source.name.rsplit(".", 1)[0] if source.path is not None else None
    state: dict[str, str | int | None] = {}
    body: list[str] = []
    blanks = 0
    with source.open() as raw, open_text(raw, encoding=ctx.encoding) as text:
        for number, line in iter_lines(text, fmt=NAME):
            match = STAMP.match(line.lstrip("\ufeff"))
            if match and (not state or blanks or not body):
                if state:
                    yield _record(state, body, conversation)
                body, blanks = [], 0
                rest = match["rest"]
                stamp = parse_timestamp(match["stamp"])
                if rest.strip() and not _READ.match(rest):
                    yield ChatRecord(text=rest.strip(), id=str(number), conversation=conversation,
                                     timestamp=stamp, kind="system")
                    state = {}
                    continue
                state = {"id": number, "stamp": stamp, "speaker": None}
                continue
            if not state:
                if line.strip():
                    ctx.bad_line(number, "imessage: text before the first timestamp line")
                else:
                    ctx.skipped += 1
                continue
            if state["speaker"] is None:
                state["speaker"] = line
                continue
            if not line:
                blanks += 1
                continue
            body.extend([""] * blanks)
            blanks = 0
            body.append(line)
    if state:
        yield _record(state, body, conversation)


def _record(state: dict[str, str | int | None], body: list[str],
            conversation: str | None) -> ChatRecord:
    text = "\n".join(body)
    kind: Kind = "media" if body and all(ATTACHMENT.match(b) for b in body) else "message"
    return ChatRecord(text=text, id=str(state["id"]), conversation=conversation,
                      timestamp=state["stamp"],  # type: ignore[arg-type]
                      speaker=str(state["speaker"]) if state["speaker"] is not None else None,
                      kind=kind)
