"""LINE chat history `.txt`: a "[LINE] Chat history with X" header, date lines, and
tab-separated "time<TAB>name<TAB>text" lines. Multi-line messages are wrapped in double
quotes by LINE (inner quotes doubled); a "time<TAB>text" line is a system event.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence

from service.readers.common import (
    AMPM_MARKER,
    ReadContext,
    Source,
    iter_lines,
    open_text,
    parse_timestamp,
)
from service.records import ChatRecord, Kind

NAME = "line"
TITLE = re.compile(r"^\ufeff?\[LINE\] (?:Chat history with (?P<en>.+)|(?P<ja>.+)とのトーク履歴)$")
SAVED = re.compile(r"^(Saved on|保存日時)[:：]")
DATE = re.compile(
    r"^(?:(?P<y>\d{4})[/.](?P<m>\d{1,2})[/.](?P<d>\d{1,2})(?:\s*\(\w+\)|,? \w+)?"
    r"|\w{3}, (?P<m2>\d{1,2})/(?P<d2>\d{1,2})/(?P<y2>\d{4}))$"
)
MESSAGE = re.compile(
    rf"^(?P<time>(?:{AMPM_MARKER}\s?)?\d{{1,2}}:\d{{2}}(?:\s?{AMPM_MARKER})?)\t(?P<a>[^\t]*)(?:\t(?P<b>.*))?$",
    re.DOTALL,
)
MEDIA = re.compile(r"^\[(Sticker|Photo|Video|File|Voice message|Contact|Location|Album|GIF"
                   r"|スタンプ|写真|動画|ファイル|ボイスメッセージ|位置情報)\]$")


def is_line_export(lines: Sequence[str]) -> bool:
    """Whether the first lines of a text are a LINE history (title, or date then tab lines)."""
    if TITLE.match(lines[0]):
        return True
    return any(DATE.match(a) and MESSAGE.match(b) for a, b in itertools.pairwise(lines))


def read(source: Source, ctx: ReadContext) -> Iterator[ChatRecord]:
    """Stream messages; id is the line number of the message's first line."""
    conversation: str | None = None
    day: str | None = None
    pending: ChatRecord | None = None
    with source.open() as raw, open_text(raw, encoding=ctx.encoding) as text:
        for number, line in iter_lines(text, fmt=NAME):
            title = TITLE.match(line) if number <= 2 else None
            if title:
                conversation = title["en"] or title["ja"]
                continue
            if number <= 3 and SAVED.match(line):
                continue
            date = DATE.match(line)
            match = MESSAGE.match(line) if day else None
            if date or match:
                if pending is not None:
                    yield _finish(pending)
                    pending = None
            if date:
                day = (f"{date['y']}-{int(date['m']):02d}-{int(date['d']):02d}" if date["y"]
                       else f"{date['y2']}-{int(date['m2']):02d}-{int(date['d2']):02d}")
                continue
            if match:
                try:
                    stamp = parse_timestamp(f"{day} {match['time']}")
                except ValueError:
                    ctx.bad_line(number, "line: message line has an impossible time")
                    continue
                if match["b"] is None:
                    pending = ChatRecord(text=match["a"], id=str(number),
                                         conversation=conversation, timestamp=stamp,
                                         kind="system")
                else:
                    pending = ChatRecord(text=match["b"], id=str(number),
                                         conversation=conversation, timestamp=stamp,
                                         speaker=match["a"])
                continue
            if pending is not None:
                pending.text += "\n" + line
            elif line.strip():
                ctx.bad_line(number, "line: text before the first dated message line")
            else:
                ctx.skipped += 1
    if pending is not None:
        yield _finish(pending)


def _finish(record: ChatRecord) -> ChatRecord:
    """Unquote a multi-line message and strip the blank line LINE puts before a new day."""
    text = record.text.rstrip("\n")
    if "\n" in text and len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1].replace('""', '"')
    kind: Kind = record.kind
    if kind == "message" and MEDIA.match(text):
        kind = "media"
    record.text, record.kind = text, kind
    return record
