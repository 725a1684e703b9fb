"""What every reader shares: the input source, text decoding, one timestamp parser, ReadContext.

Readers never re-implement dates or encodings: they call `parse_timestamp` and `open_text`.
Warnings and errors collected here carry line numbers, counts and format names, never
message text, so they can be logged or printed safely.
"""

from __future__ import annotations

import codecs
import io
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Literal, TextIO

from service.errors import InputFormatError

SNIFF_BYTES = 64 * 1024
# Invisible direction marks chat apps insert around names, numbers and system lines.
DIRECTION_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass
class ReadContext:
    """Options for one read, and what the read noticed (warnings, reported errors, skips).

    `csv_columns` maps a record field (text, speaker, timestamp, id, conversation) to a
    column name; `dayfirst` None means "infer"; `on_error="report"` skips a bad line and
    records `(line, reason)` in `errors` instead of raising.
    """

    dayfirst: bool | None = None
    csv_columns: dict[str, str] = field(default_factory=dict)
    csv_delimiter: str | None = None
    encoding: str | None = None
    on_error: Literal["raise", "report"] = "raise"
    warnings: list[str] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    skipped: int = 0

    def warn(self, message: str) -> None:
        """Record a warning once (no message text may be part of it)."""
        if message not in self.warnings:
            self.warnings.append(message)

    def bad_line(self, line: int, reason: str) -> None:
        """Raise for a bad line, or record it and carry on when the caller asked to report."""
        if self.on_error == "raise":
            raise InputFormatError(reason, line=line)
        self.errors.append((line, reason))


class Source:
    """One input: a file or directory path, or a stream spooled so it can be re-read.

    Readers that need two passes (WhatsApp day/month inference) call `open()` twice.
    """

    def __init__(self, *, path: Path | None = None, spool: BinaryIO | None = None,
                 stream: io.BufferedReader | None = None, name: str = "-") -> None:
        self.path = path
        self._spool = spool
        self._stream = stream
        self.name = path.name if path is not None else name

    @classmethod
    def one_shot(cls, stream: BinaryIO, *, name: str = "-") -> Source:
        """A stream read once, as it arrives (for formats that need one pass only)."""
        return cls(stream=io.BufferedReader(stream, buffer_size=SNIFF_BYTES),  # type: ignore[arg-type]
                   name=name)

    @property
    def rereadable(self) -> bool:
        return self._stream is None

    def spooled(self) -> Source:
        """This source made re-readable (a one-shot stream is copied to a spooled file)."""
        if self._stream is None:
            return self
        return Source.from_stream(self._stream, name=self.name)

    @classmethod
    def from_stream(cls, stream: BinaryIO, *, name: str = "-") -> Source:
        """Copy a one-shot stream (stdin, an upload) to a spooled temporary file."""
        spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
        shutil.copyfileobj(stream, spool)
        return cls(spool=spool, name=name)

    @property
    def is_dir(self) -> bool:
        return self.path is not None and self.path.is_dir()

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        """The bytes from the start; each call is independent."""
        if self.path is not None:
            if self.path.is_dir():
                raise InputFormatError(f"{self.name} is a directory, expected a file")
            with self.path.open("rb") as f:
                yield f
            return
        if self._stream is not None:
            stream, self._stream = self._stream, None
            if stream is None:
                raise InputFormatError(f"{self.name}: the input stream was already read")
            yield _Unclosable(stream)  # type: ignore[misc]
            return
        if self._spool is None:
            raise InputFormatError(f"{self.name}: the input stream was already read")
        self._spool.seek(0)
        yield _Unclosable(self._spool)  # type: ignore[misc]

    def head(self, size: int = SNIFF_BYTES) -> bytes:
        """The first `size` bytes (or what a stream has buffered; empty for a directory)."""
        if self.is_dir:
            return b""
        if self._stream is not None:
            return self._stream.peek(size)[:size]
        with self.open() as f:
            return f.read(size)

    def is_zip(self) -> bool:
        return self.head(4) == b"PK\x03\x04"

    def zipfile(self) -> zipfile.ZipFile:
        """The source opened as a zip archive, or an InputFormatError."""
        try:
            if self.path is not None:
                return zipfile.ZipFile(self.path)
            if self._spool is None:
                raise InputFormatError(f"{self.name}: a zip archive must be spooled first")
            self._spool.seek(0)
            return zipfile.ZipFile(self._spool)  # type: ignore[arg-type]
        except zipfile.BadZipFile as e:
            raise InputFormatError(f"{self.name} is not a readable zip archive") from e


class _Unclosable(io.BufferedIOBase):
    """A view of a spooled file whose close() leaves the spool open for the next pass."""

    def __init__(self, inner: BinaryIO) -> None:
        self._inner = inner

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return self._inner.read(-1 if size is None else size)

    def read1(self, size: int = -1) -> bytes:
        return self._inner.read(size)

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(b))
        b[: len(data)] = data
        return len(data)

    def close(self) -> None:
        """Leave the spool open."""


def sniff_encoding(head: bytes, *, override: str | None = None) -> str:
    """The encoding of a text input: the override, a BOM, UTF-8 if the head decodes, else cp1252."""
    if override:
        return override
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    if len(head) >= 4 and head[1::2][:2] == b"\0\0" and head[0] != 0:
        return "utf-16-le"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        # A multibyte character cut at the end of a full sample is fine; a short head is all.
        decoder.decode(head, final=len(head) < SNIFF_BYTES)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def open_text(stream: BinaryIO, *, encoding: str | None = None, csv: bool = False) -> TextIO:
    """Wrap bytes as text with a sniffed encoding; newlines are universal unless for csv."""
    buffered = io.BufferedReader(stream, buffer_size=SNIFF_BYTES)  # type: ignore[arg-type]
    head = buffered.peek(SNIFF_BYTES)[:SNIFF_BYTES]
    name = sniff_encoding(head, override=encoding)
    return io.TextIOWrapper(buffered, encoding=name, errors="strict", newline="" if csv else None)


def iter_lines(text: TextIO, *, fmt: str) -> Iterator[tuple[int, str]]:
    """Number lines from 1 without their line ending; undecodable bytes raise with the line."""
    number = 0
    try:
        for number, line in enumerate(text, start=1):
            yield number, line.rstrip("\n")
    except UnicodeDecodeError as e:
        raise InputFormatError(f"{fmt}: text is not decodable ({e.reason})", line=number + 1) from e


def iter_json_lines(source: Source, ctx: ReadContext, *, fmt: str, what: str) -> Iterator[tuple[int, Any]]:
    """Each non-blank line of a JSON Lines source, parsed, with its line number.

    Blank lines are counted in `ctx.skipped`; a line that is not JSON goes to `ctx.bad_line`
    (raise or report, as the context says), naming `what` the line should have been.
    """
    with source.open() as raw, open_text(raw, encoding=ctx.encoding) as text:
        for number, line in iter_lines(text, fmt=fmt):
            if not line.strip():
                ctx.skipped += 1
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as e:
                ctx.bad_line(number, f"{what} is not valid JSON ({e.msg} at column {e.colno})")


def strip_marks(value: str) -> str:
    """Remove direction marks and BOMs at both ends (WhatsApp puts them around names)."""
    return value.strip(DIRECTION_MARKS)


def fix_mojibake(value: str) -> str:
    """Undo UTF-8 read as latin-1 (Facebook's exports), only where that is what happened.

    Text with a character above U+00FF, or whose latin-1 bytes are not valid UTF-8, is
    genuine and returned unchanged; so is plain ASCII.
    """
    if value.isascii():
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


# ---------------------------------------------------------------------------------------------
# Timestamps: the one parser every reader uses.

_AM = {"am", "a", "vorm", "fm", "de", "πμ", "午前", "上午", "오전", "öö", "dop", "sa", "ص"}
_PM = {"pm", "p", "nachm", "em", "du", "μμ", "午後", "下午", "오후", "ös", "odp", "ch", "م"}
AMPM_MARKER = "(?:" + "|".join((
    r"[AaPp]\.?\s?[Mm]\.?", r"vorm\.?", r"nachm\.?", "fm", "em", r"de\.", r"du\.", "πμ", "μμ",
    "午前", "午後", "上午", "下午", "오전", "오후", "ÖÖ", "ÖS", r"dop\.", r"odp\.", "SA", "CH", "ص", "م",
)) + ")"
_SPACE = "[\\s\u202f\u00a0]"
_NUMERIC = re.compile(
    rf"^(?P<pre>{AMPM_MARKER})?{_SPACE}*"
    r"(?P<a>\d{1,4})[./-](?P<b>\d{1,2})[./-](?P<c>\d{1,4})\.?"
    rf"(?:,?{_SPACE}*(?:klo|um|à|a las|alle)?{_SPACE}*(?P<pre2>{AMPM_MARKER})?{_SPACE}*"
    r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2}))?"
    rf"{_SPACE}*(?P<post>{AMPM_MARKER})?)?$"
)
_NAMED_FORMATS = (
    "%b %d, %Y %I:%M:%S %p",
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y, %I:%M:%S %p",
    "%d-%b-%y %I:%M %p",
    "%d %B %Y %H:%M",
    "%d %b %Y %H:%M",
    "%B %d, %Y %I:%M %p",
    "%Y/%m/%d %H:%M",
)


def _hour(hour: int, marker: str | None) -> int:
    if not marker:
        return hour
    key = re.sub(r"[\s.\u202f\u00a0]", "", marker).lower()
    if key in _PM:
        return hour if hour == 12 else hour + 12
    if key in _AM:
        return 0 if hour == 12 else hour
    raise ValueError("unknown AM/PM marker")


def _year(value: int) -> int:
    if value >= 100:
        return value
    return 2000 + value if value < 70 else 1900 + value


def _iso(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.isoformat()


def parse_timestamp(value: str | float | None, *, unit: Literal["s", "ms"] | None = None,
                    dayfirst: bool | None = None) -> str | None:
    """Any timestamp a chat export holds, as ISO 8601: UTC when the source gives a zone.

    Accepts epoch numbers (`unit` "s" or "ms"; numeric strings too when `unit` is given),
    ISO 8601 with or without a zone, numeric dates "D/M/Y, H:MM[:SS] [AM/PM]" in any
    order of day and month (`dayfirst`; None decides by a value over 12, else day first),
    localised AM/PM markers before or after the time, and month-name forms. Raises
    ValueError when the value is none of these.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("a boolean is not a timestamp")
    if isinstance(value, int | float) or re.fullmatch(
        r"-?\d+(\.\d+)?" if unit else r"\d{9,}(\.\d+)?", value.strip()
    ):
        number = float(value)
        if unit is None:  # a bare number: seconds, unless only milliseconds make sense
            unit = "ms" if abs(number) > 1e11 else "s"
        seconds = number / 1000 if unit == "ms" else number
        try:
            return _iso(datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds))
        except OverflowError as e:
            raise ValueError("epoch timestamp out of range") from e
    text = value.strip().strip(DIRECTION_MARKS)
    try:
        return _iso(datetime.fromisoformat(text))
    except ValueError:
        pass
    match = _NUMERIC.match(text)
    if match:
        return _iso(_numeric(match, dayfirst=dayfirst))
    squashed = re.sub(_SPACE + "+", " ", text)
    squashed = re.sub(r"(?i)\b([ap])\.? ?m\.?$", lambda m: m.group(1).upper() + "M", squashed)
    for fmt in _NAMED_FORMATS:
        try:
            return _iso(datetime.strptime(squashed, fmt))
        except ValueError:
            continue
    raise ValueError("unrecognised timestamp")


def _numeric(match: re.Match[str], *, dayfirst: bool | None) -> datetime:
    a, b, c = match["a"], match["b"], match["c"]
    if len(a) == 4:
        year, month, day = int(a), int(b), int(c)
    else:
        first, second = int(a), int(b)
        if dayfirst is None:
            dayfirst = not (second > 12 and first <= 12)
        day, month = (first, second) if dayfirst else (second, first)
        year = _year(int(c))
    if match["h"] is None:
        return datetime(year, month, day)
    marker = match["pre"] or match["pre2"] or match["post"]
    hour = _hour(int(match["h"]), marker)
    return datetime(year, month, day, hour, int(match["mi"]), int(match["s"] or 0))
