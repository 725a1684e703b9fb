"""Chat-log readers: one module per export format behind one registry.

`read_path(path, fmt)` and `read_stream(stream, fmt)` yield `ChatRecord`s in input order
(chronological for sources stored newest-first); `fmt="auto"` detects the format from
content. Problems are `InputFormatError`s with a line number where there is one; options
and collected warnings travel in a `ReadContext`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from service.errors import InputFormatError
from service.readers import (
    csv_generic,
    discord,
    imessage,
    instagram,
    jsonl,
    line,
    messenger,
    signal_export,
    slack,
    sms_xml,
    telegram,
    text,
    whatsapp,
)
from service.readers.common import ReadContext, Source, parse_timestamp
from service.readers.detect import detect_source
from service.records import ChatRecord

Reader = Callable[[Source, ReadContext], Iterator[ChatRecord]]

READERS: dict[str, Reader] = {
    "text": text.read,
    "jsonl": jsonl.read,
    "csv": csv_generic.read,
    "whatsapp": whatsapp.read,
    "telegram": telegram.read,
    "signal": signal_export.read,
    "messenger": messenger.read,
    "instagram": instagram.read,
    "discord": discord.read,
    "imessage": imessage.read,
    "sms-xml": sms_xml.read,
    "slack": slack.read,
    "line": line.read,
}
FORMATS: tuple[str, ...] = tuple(READERS)
# Formats read in two passes (WhatsApp's date order) or from an archive: streams are spooled.
REREAD = frozenset({"whatsapp", "slack"})

__all__ = [
    "FORMATS",
    "READERS",
    "ReadContext",
    "detect_format",
    "parse_timestamp",
    "read_path",
    "read_stream",
]


def detect_format(path: Path) -> str:
    """The format of a file or export directory, from its content; InputFormatError if unknown."""
    if not path.exists():
        raise InputFormatError(f"{path.name}: no such file or directory")
    return detect_source(Source(path=path))


def _check(fmt: str) -> None:
    if fmt != "auto" and fmt not in READERS:
        raise InputFormatError(f"unknown format {fmt!r}; choose auto or one of {', '.join(FORMATS)}")


def read_source(source: Source, fmt: str = "auto",
                ctx: ReadContext | None = None) -> Iterator[ChatRecord]:
    """Records from an opened source in the given or detected format."""
    _check(fmt)
    ctx = ctx if ctx is not None else ReadContext()
    name = detect_source(source) if fmt == "auto" else fmt
    return READERS[name](source, ctx)


def read_path(path: Path, fmt: str = "auto", ctx: ReadContext | None = None) -> Iterator[ChatRecord]:
    """Records from a file, a `.zip` export, or an export directory (Messenger, Slack, Signal)."""
    _check(fmt)
    if not path.exists():
        raise InputFormatError(f"{path.name}: no such file or directory")
    return read_source(Source(path=path), fmt, ctx)


def read_stream(stream: BinaryIO, fmt: str = "auto", ctx: ReadContext | None = None, *,
                name: str = "-") -> Iterator[ChatRecord]:
    """Records from a byte stream such as stdin or an upload (spooled, so two passes work).

    `name` is the original file name when known; it helps a WhatsApp export name its chat.
    """
    _check(fmt)
    source = Source.one_shot(stream, name=name)
    if source.is_zip():
        source = source.spooled()
    chosen = detect_source(source) if fmt == "auto" else fmt
    if chosen in REREAD:
        source = source.spooled()
    return read_source(source, chosen, ctx)
