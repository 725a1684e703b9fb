"""Generic CSV: columns found by name or mapped by the user, delimiter and encoding sniffed."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator

from service.errors import InputFormatError
from service.readers.common import ReadContext, Source, open_text, parse_timestamp
from service.records import ChatRecord

NAME = "csv"
FIELDS = ("text", "speaker", "timestamp", "id", "conversation", "kind")
# Header names recognised without a mapping, compared case-insensitively.
ALIASES: dict[str, tuple[str, ...]] = {
    "text": ("text", "message", "content", "body", "msg"),
    "speaker": ("speaker", "author", "sender", "from", "name", "user", "sender_name"),
    "timestamp": ("timestamp", "date", "datetime", "time", "sent", "sent_at", "created_at"),
    "id": ("id", "message_id", "msg_id"),
    "conversation": ("conversation", "chat", "thread", "channel", "conversation_id"),
    "kind": ("kind",),
}
DELIMITERS = ",;\t|"


def sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the sample's rows into the same number (>1) of columns.

    Rows are parsed with quoting, so delimiters and newlines inside quoted cells do not
    mislead it (csv.Sniffer does get misled); a comma when nothing fits.
    """
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            rows = list(itertools.islice(csv.reader(io.StringIO(sample), delimiter=delimiter), 21))
        except csv.Error:
            continue
        rows = [r for r in rows[:-1] if r] if len(rows) > 1 else rows
        if not rows or len(rows[0]) < 2:
            continue
        consistent = sum(1 for r in rows if len(r) == len(rows[0]))
        score = (consistent, len(rows[0]))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def map_columns(header: list[str], mapping: dict[str, str]) -> dict[str, int]:
    """Field name -> column index, from the user's mapping first, then the known aliases."""
    lowered = [h.strip().lower() for h in header]
    found: dict[str, int] = {}
    for field_name, column in mapping.items():
        if field_name not in FIELDS:
            raise InputFormatError(f"csv: cannot map unknown field {field_name!r}; "
                                   f"fields are {', '.join(FIELDS)}")
        if column.strip().lower() not in lowered:
            raise InputFormatError(f"csv: mapped column {column!r} is not in the header")
        found[field_name] = lowered.index(column.strip().lower())
    for field_name, names in ALIASES.items():
        if field_name in found:
            continue
        for name in names:
            if name in lowered and lowered.index(name) not in found.values():
                found[field_name] = lowered.index(name)
                break
    if "text" not in found:
        raise InputFormatError("csv: no text column found; map one, or name the column "
                               "text, message, content or body", line=1)
    return found


def read(source: Source, ctx: ReadContext) -> Iterator[ChatRecord]:
    """Stream rows as records; id is the row's own id column or the line it starts on."""
    with source.open() as raw, open_text(raw, encoding=ctx.encoding, csv=True) as text:
        sample = _peek_text(text)
        delimiter = ctx.csv_delimiter or sniff_delimiter(sample)
        reader = csv.reader(text, delimiter=delimiter)
        line = 1
        try:
            header = next(reader, None)
            if header is None:
                return
            columns = map_columns(header, ctx.csv_columns)
            while True:
                line = reader.line_num + 1
                row = next(reader, None)
                if row is None:
                    return
                record = _record(row, columns, line, ctx)
                if record is not None:
                    yield record
        except UnicodeDecodeError as e:
            raise InputFormatError(f"csv: text is not decodable ({e.reason})", line=line) from e
        except csv.Error as e:
            raise InputFormatError(f"csv: {e}", line=reader.line_num) from e


def _peek_text(text: io.TextIOWrapper) -> str:
    """A sample of the decoded text without consuming it (decodes the buffered head)."""
    head = text.buffer.peek(16 * 1024)[: 16 * 1024]  # type: ignore[attr-defined]
    return head.decode(text.encoding, errors="ignore").lstrip("\ufeff")


def _record(row: list[str], columns: dict[str, int], line: int,
            ctx: ReadContext) -> ChatRecord | None:
    if not any(cell.strip() for cell in row):
        ctx.skipped += 1
        return None

    def cell(name: str) -> str | None:
        index = columns.get(name)
        if index is None or index >= len(row):
            return None
        value = row[index].replace("\r\n", "\n").replace("\r", "\n")
        return value if value != "" else None

    text = cell("text")
    if text is None and columns["text"] >= len(row):
        ctx.bad_line(line, f"csv: row has {len(row)} columns, the text column is missing")
        return None
    kind = cell("kind") or "message"
    if kind not in ("message", "system", "media"):
        ctx.bad_line(line, "csv: kind must be message, system or media")
        return None
    try:
        timestamp = parse_timestamp(cell("timestamp"), dayfirst=ctx.dayfirst)
    except ValueError:
        ctx.bad_line(line, "csv: timestamp is not a recognisable date")
        return None
    return ChatRecord(
        text=text or "",
        id=cell("id") or str(line),
        conversation=cell("conversation"),
        timestamp=timestamp,
        speaker=cell("speaker"),
        kind=kind,  # type: ignore[arg-type]
    )
