"""WhatsApp `.txt` exports (Android and iOS) and the `.zip` export holding one.

The day/month order is not written in the file, so it is inferred from the whole file in a
first pass that keeps only counters (a value over 12 decides; otherwise the field that
changes like a day does), then the second pass yields records. Both passes stream, so
memory stays constant whatever the file size. `ctx.dayfirst` overrides the inference.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from service.errors import InputFormatError
from service.readers.common import (
    AMPM_MARKER,
    DIRECTION_MARKS,
    ReadContext,
    Source,
    iter_lines,
    open_text,
    parse_timestamp,
    strip_marks,
)
from service.records import ChatRecord

NAME = "whatsapp"
AMBIGUOUS_WARNING = (
    "whatsapp: date order ambiguous, assumed day-first; use --dayfirst/--monthfirst"
)

_SP = "[ \u202f\u00a0]"
_DATE = r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\.?"
_TIME = rf"(?:{AMPM_MARKER}{_SP}?)?\d{{1,2}}[:.]\d{{2}}(?:[:.]\d{{2}})?(?:{_SP}*{AMPM_MARKER})?"
_STAMP = rf"(?P<date>{_DATE}),?{_SP}*(?:(?:klo|um|à|alle){_SP})?(?P<time>{_TIME})"
ANDROID_LINE = re.compile(rf"^{_STAMP}{_SP}?[-–]{_SP}(?P<rest>.*)$", re.DOTALL)
IOS_LINE = re.compile(rf"^\[{_STAMP}\]{_SP}(?P<rest>.*)$", re.DOTALL)

ENCRYPTION_NOTICE = re.compile(
    r"^(Messages and calls are end-to-end encrypted|Messages to this (group|chat) are now secured"
    r"|Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt"
    r"|Los mensajes y las llamadas están cifrados de extremo a extremo"
    r"|Les messages et les appels sont chiffrés de bout en bout"
    r"|As mensagens e as chamadas são protegidas com a criptografia de ponta a ponta)"
)
# Group events, written without "Name: " on Android and after an invisible mark on iOS.
GROUP_EVENT = re.compile(
    r"^[^:]*?\b(added|removed|left|joined using this group's invite link|joined from the community"
    r"|created group|created this group|changed the subject|changed this group's"
    r"|changed the group (description|icon|name)|deleted this group's icon"
    r"|changed their phone number|changed to \+|is now an admin|are now an admin|was removed"
    r"|changed the settings|started a call|hat .+ hinzugefügt|hat die Gruppe verlassen"
    r"|ha añadido|salió del grupo|a ajouté|est parti)\b"
)
DELETED = re.compile(
    r"^(This message was deleted|You deleted this message|Diese Nachricht wurde gelöscht"
    r"|Du hast diese Nachricht gelöscht|Se eliminó este mensaje|Eliminaste este mensaje"
    r"|Ce message a été supprimé|Vous avez supprimé ce message)\.?$"
)
MEDIA = re.compile(
    r"^(<Media omitted>|<Medien ausgeschlossen>|<Multimedia omitido>|<Médias omis>"
    r"|<Mídia oculta>|<attached: [^>]+>|.+ \(file attached\)"
    r"|(?:.*\s)?(image|video|audio|sticker|GIF|document|Contact card|view once photo) omitted)$",
    re.IGNORECASE | re.DOTALL,
)
CHAT_NAME = re.compile(r"^WhatsApp Chat (?:with|-|mit|con|avec) (?P<name>.+?)(?:\.txt|\.zip)?$")


@dataclass
class DateOrder:
    """Counters from the first pass that decide whether dates are day-first."""

    first_max: int = 0
    second_max: int = 0
    first_changes: int = 0
    second_changes: int = 0
    year_first: bool = False
    _last: tuple[int, int] | None = None

    def feed(self, date: str) -> None:
        """Take one header's date string (e.g. "31/12/20")."""
        parts = re.split(r"[./-]", date.rstrip("."))
        if len(parts[0]) == 4:
            self.year_first = True
            return
        first, second = int(parts[0]), int(parts[1])
        self.first_max = max(self.first_max, first)
        self.second_max = max(self.second_max, second)
        if self._last is not None:
            self.first_changes += first != self._last[0]
            self.second_changes += second != self._last[1]
        self._last = (first, second)

    def decide(self) -> bool | None:
        """True day-first, False month-first, None when nothing in the file tells."""
        if self.first_max > 12 and self.second_max > 12:
            raise InputFormatError("whatsapp: dates are neither day-first nor month-first")
        if self.first_max > 12:
            return True
        if self.second_max > 12:
            return False
        if self.first_changes != self.second_changes:
            return self.first_changes > self.second_changes
        return None


def match_header(line: str) -> re.Match[str] | None:
    """The header of a message line (Android or iOS), ignoring marks and a BOM at its start."""
    line = line.lstrip(DIRECTION_MARKS)
    return IOS_LINE.match(line) or ANDROID_LINE.match(line)


def read(source: Source, ctx: ReadContext) -> Iterator[ChatRecord]:
    """Read a `.txt` export or the chat inside a `.zip` export."""
    if source.is_zip():
        archive = source.zipfile()
        member = chat_member(archive.namelist())
        conversation = _conversation(member) or _conversation(source.name)
        yield from read_lines(lambda: archive.open(member), ctx, conversation=conversation)
        return
    yield from read_lines(source.open, ctx, conversation=_conversation(source.name))


def chat_member(names: Sequence[str]) -> str:
    """The chat text inside a WhatsApp zip: `_chat.txt` (iOS) or `WhatsApp Chat ... .txt`."""
    texts = [n for n in names if n.lower().endswith(".txt") and not n.startswith("__MACOSX")]
    for name in texts:
        if name.rsplit("/", 1)[-1] == "_chat.txt" or CHAT_NAME.match(name.rsplit("/", 1)[-1]):
            return name
    if len(texts) == 1:
        return texts[0]
    raise InputFormatError("whatsapp: the zip holds no _chat.txt or 'WhatsApp Chat' text file")


def _conversation(name: str) -> str | None:
    match = CHAT_NAME.match(name.rsplit("/", 1)[-1])
    return match["name"] if match else None


def infer_dayfirst(opener: Callable[[], AbstractContextManager[BinaryIO]],
                   ctx: ReadContext) -> bool:
    """First pass: decide the date order from every header line (constant memory)."""
    order = DateOrder()
    with opener() as raw, open_text(raw, encoding=ctx.encoding) as text:
        for _, line in iter_lines(text, fmt=NAME):
            match = match_header(line)
            if match:
                order.feed(match["date"])
    if order.year_first:
        return True  # year-month-day: the flag is not used
    decided = order.decide()
    if decided is None:
        ctx.warn(AMBIGUOUS_WARNING)
        return True
    return decided


def read_lines(opener: Callable[[], AbstractContextManager[BinaryIO]], ctx: ReadContext, *,
               conversation: str | None = None) -> Iterator[ChatRecord]:
    """Both passes over a re-openable chat text; lines that are no header continue a message."""
    dayfirst = ctx.dayfirst if ctx.dayfirst is not None else infer_dayfirst(opener, ctx)
    pending: ChatRecord | None = None
    with opener() as raw, open_text(raw, encoding=ctx.encoding) as text:
        for number, line in iter_lines(text, fmt=NAME):
            match = match_header(line)
            if match is None:
                if pending is not None:
                    pending.text += "\n" + line
                elif line.strip(DIRECTION_MARKS + " \t"):
                    ctx.bad_line(number, "whatsapp: text before the first dated message line")
                else:
                    ctx.skipped += 1
                continue
            try:
                stamp = parse_timestamp(f"{match['date']} {match['time']}", dayfirst=dayfirst)
            except ValueError:
                ctx.bad_line(number, "whatsapp: message line has an impossible date or time "
                             "(try --dayfirst/--monthfirst)")
                continue
            if pending is not None:
                yield _finish(pending)
            pending = _record(match["rest"], stamp, number, conversation)
    if pending is not None:
        yield _finish(pending)


def _record(rest: str, stamp: str | None, number: int,
            conversation: str | None) -> ChatRecord:
    """Split "Name: text" from the rest of a header line and decide its kind."""
    plain = strip_marks(rest)
    base = ChatRecord(text=plain, id=str(number), conversation=conversation, timestamp=stamp)
    if ENCRYPTION_NOTICE.match(plain):
        base.kind = "system"
        return base
    name, sep, body = rest.partition(": ")
    if not sep or GROUP_EVENT.match(plain):
        base.kind = "system"  # Android group events carry no "Name: " before the event
        return base
    base.speaker = strip_marks(name)
    marked = body[:1] in DIRECTION_MARKS and body[:1] != ""
    base.text = body.lstrip(DIRECTION_MARKS)
    if ENCRYPTION_NOTICE.match(base.text) or (marked and GROUP_EVENT.match(base.text)):
        base.kind = "system"
        base.speaker = None  # iOS names the chat here, not a person
    return base


def _finish(record: ChatRecord) -> ChatRecord:
    """Classify the completed (possibly multi-line) text as media or a deleted notice."""
    if record.kind == "message":
        body = strip_marks(record.text)
        if MEDIA.match(body):
            record.kind = "media"
        elif DELETED.match(body):
            record.kind = "system"
    return record


def render_whatsapp(records: Sequence[ChatRecord], *, dayfirst: bool = True,
                    clock24: bool = True, ios: bool = False) -> str:
    """Records as a WhatsApp export (Android style, or iOS with `ios=True`).

    Timestamps must be naive ISO strings; Android drops the seconds as WhatsApp does.
    System records are written without a name (Android) or after a mark (iOS). Used by
    the round-trip tests and the chat benchmark.
    """
    lines: list[str] = []
    for record in records:
        moment = datetime.fromisoformat(record.timestamp or "2024-01-01T00:00:00")
        first, second = (moment.day, moment.month) if dayfirst else (moment.month, moment.day)
        date = f"{first}/{second}/{moment:%y}" if not ios else f"{first:02d}/{second:02d}/{moment:%Y}"
        fmt = ("%H:%M" if clock24 else "%I:%M") + (":%S" if ios else "")
        clock = moment.strftime(fmt)
        if not clock24:
            clock = clock.lstrip("0") or "0"
            clock += "\u202f" + ("PM" if moment.hour >= 12 else "AM")
        if ios:
            prefix = f"[{date}, {clock}] "
            if record.kind == "system":
                lines.append(f"\u200e{prefix}{record.speaker or 'Chat'}: \u200e{record.text}")
            else:
                lines.append(f"{prefix}{record.speaker}: {record.text}")
        elif record.kind == "system":
            lines.append(f"{date}, {clock} - {record.text}")
        else:
            lines.append(f"{date}, {clock} - {record.speaker}: {record.text}")
    return "\n".join(lines) + "\n"
