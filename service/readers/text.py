"""Plain text: one message per line; blank lines are skipped and counted."""

from __future__ import annotations

from collections.abc import Iterator

from service.readers.common import ReadContext, Source, iter_lines, open_text
from service.records import ChatRecord

NAME = "text"


def read(source: Source, ctx: ReadContext) -> Iterator[ChatRecord]:
    """Yield each non-blank line as a message whose id is its line number (streaming)."""
    with source.open() as raw, open_text(raw, encoding=ctx.encoding) as text:
        for number, line in iter_lines(text, fmt=NAME):
            if not line.strip():
                ctx.skipped += 1
                continue
            yield ChatRecord(text=line, id=str(number))
