"""SMS Backup & Restore XML (`<smses>` of `<sms>` and `<mms>`), streamed with iterparse.

The app writes emoji as pairs of UTF-16 surrogate character references
(`&#55357;&#56832;`), which XML parsers reject; a filtering reader joins each pair into
one reference before parsing. Elements are cleared as they are read, so files of
hundreds of MB parse in constant memory.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import BinaryIO

from service.errors import InputFormatError
from service.readers.common import ReadContext, Source, parse_timestamp
from service.records import ChatRecord, Kind

NAME = "sms-xml"
_PAIR = re.compile(rb"&#(5[5-6]\d{3});&#(5[6-7]\d{3});")
_LONE = re.compile(rb"&#(5[5-7]\d{3});")
_CHUNK = 256 * 1024
SENT_TYPES = {"2", "4", "5", "6"}  # sent, outbox, failed, queued
UNKNOWN_NAMES = {"", "(Unknown)", "null"}


def _join_pair(match: re.Match[bytes]) -> bytes:
    high, low = int(match[1]), int(match[2])
    if 0xD800 <= high <= 0xDBFF and 0xDC00 <= low <= 0xDFFF:
        code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        return b"&#%d;" % code
    return match[0]


def _lone(match: re.Match[bytes]) -> bytes:
    return b"&#65533;" if 0xD800 <= int(match[1]) <= 0xDFFF else match[0]


def fix_surrogates(data: bytes) -> bytes:
    """Join surrogate-pair character references; a lone surrogate becomes U+FFFD."""
    return _LONE.sub(_lone, _PAIR.sub(_join_pair, data))


class SurrogateFixingReader(io.RawIOBase):
    """A byte stream with surrogate references repaired, chunk by chunk."""

    def __init__(self, inner: BinaryIO) -> None:
        self._inner = inner
        self._carry = b""
        self._out = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._out:
            chunk = self._inner.read(_CHUNK)
            data = self._carry + chunk
            if not chunk:
                self._out, self._carry = fix_surrogates(data), b""
                break
            self._out, self._carry = self._split(data)
        size = min(len(buffer), len(self._out))
        buffer[:size] = self._out[:size]
        self._out = self._out[size:]
        return size


    @staticmethod
    def _split(data: bytes) -> tuple[bytes, bytes]:
        """Fix all but the last 16 bytes (one pair at most), never cutting through a pair."""
        cut = max(len(data) - 16, 0)
        for match in _PAIR.finditer(data, max(cut - 16, 0), cut + 16):
            if match.start() < cut < match.end():
                cut = match.start()
        return fix_surrogates(data[:cut]), data[cut:]


def read(source: Source, ctx: ReadContext) -> Iterator[ChatRecord]:
    """Yield each `<sms>` and `<mms>` in file order; id is the element's position."""
    with source.open() as raw:
        stream = io.BufferedReader(SurrogateFixingReader(raw))
        parser = ET.iterparse(stream, events=("start", "end"))
        depth = 0
        index = 0
        try:
            for event, elem in parser:
                if event == "start":
                    depth += 1
                    if depth == 1 and elem.tag != "smses":
                        raise InputFormatError("sms-xml: the root element is not <smses>", line=1)
                    continue
                depth -= 1
                if depth == 1 and elem.tag in ("sms", "mms"):
                    index += 1
                    yield _sms(elem, index) if elem.tag == "sms" else _mms(elem, index)
                    elem.clear()
                elif depth == 1:
                    elem.clear()
        except ET.ParseError as e:
            line = e.position[0] if getattr(e, "position", None) else None
            raise InputFormatError(f"sms-xml: not well-formed XML ({_reason(e)})",
                                   line=line) from e


def _reason(error: ET.ParseError) -> str:
    return str(error).split(":")[0]


def _who(elem: ET.Element) -> str | None:
    name = elem.get("contact_name", "")
    return elem.get("address") if name in UNKNOWN_NAMES else name


def _stamp(elem: ET.Element) -> str | None:
    try:
        return parse_timestamp(elem.get("date"), unit="ms")
    except ValueError:
        return None


def _sms(elem: ET.Element, index: int) -> ChatRecord:
    sent = elem.get("type") in SENT_TYPES
    body = elem.get("body") or ""
    return ChatRecord(text="" if body == "null" else body, id=str(index),
                      conversation=_who(elem), timestamp=_stamp(elem),
                      speaker="Me" if sent else _who(elem))


def _mms(elem: ET.Element, index: int) -> ChatRecord:
    sent = elem.get("msg_box") in SENT_TYPES
    texts: list[str] = []
    media = False
    for part in elem.iter("part"):
        content_type = part.get("ct", "")
        if content_type == "text/plain":
            texts.append(part.get("text") or "")
        elif content_type != "application/smil":
            media = True
    text = "\n".join(t for t in texts if t and t != "null")
    kind: Kind = "message" if text or not media else "media"
    return ChatRecord(text=text or ("<media>" if media else ""), id=str(index),
                      conversation=_who(elem), timestamp=_stamp(elem),
                      speaker="Me" if sent else _who(elem), kind=kind)
