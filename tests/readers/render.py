"""Render records as each exporter would write them, for round-trip tests and benchmarks.

Each `render_*` takes message records with naive ISO timestamps and a speaker, and writes
files under a directory (returning the path a reader should be given), mimicking the
exporter's layout, escaping and quirks (mojibake, newest-first, surrogate references).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import quoteattr

from service.readers.whatsapp import render_whatsapp
from service.records import ChatRecord

Renderer = Callable[[Sequence[ChatRecord], Path], Path]


def _moment(record: ChatRecord) -> datetime:
    return datetime.fromisoformat(record.timestamp or "2024-01-01T00:00:00")


def _epoch(record: ChatRecord) -> int:
    return int(_moment(record).replace(tzinfo=UTC).timestamp())


def render_text(records: Sequence[ChatRecord], out: Path) -> Path:
    path = out / "chat.txt"
    path.write_text("".join(r.text + "\n" for r in records), encoding="utf-8")
    return path


def render_jsonl(records: Sequence[ChatRecord], out: Path) -> Path:
    path = out / "chat.jsonl"
    path.write_text("".join(json.dumps({"text": r.text, "speaker": r.speaker,
                                        "timestamp": r.timestamp}, ensure_ascii=False) + "\n"
                            for r in records), encoding="utf-8")
    return path


def render_csv(records: Sequence[ChatRecord], out: Path) -> Path:
    path = out / "chat.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(["sent_at", "author", "message"])
        for r in records:
            writer.writerow([r.timestamp, r.speaker, r.text])
    return path


def render_whatsapp_file(records: Sequence[ChatRecord], out: Path, **options: bool) -> Path:
    path = out / "WhatsApp Chat with Test.txt"
    path.write_text(render_whatsapp(records, **options), encoding="utf-8")
    return path


def render_telegram(records: Sequence[ChatRecord], out: Path) -> Path:
    messages = []
    for i, r in enumerate(records, start=1):
        words = r.text.split(" ")
        text: str | list[object] = r.text
        if i % 2 == 0 and len(words) > 1:  # the entity-list form
            text = [words[0] + " ", {"type": "bold", "text": " ".join(words[1:])}]
        messages.append({"id": i, "type": "message", "date": r.timestamp,
                         "date_unixtime": str(_epoch(r)), "from": r.speaker,
                         "from_id": f"user{len(r.speaker or '')}", "text": text})
    path = out / "result.json"
    path.write_text(json.dumps({"name": "Test", "type": "personal_chat", "id": 1,
                                "messages": messages}, ensure_ascii=False), encoding="utf-8")
    return path


def render_signal_md(records: Sequence[ChatRecord], out: Path) -> Path:
    folder = out / "Test"
    folder.mkdir()
    (folder / "chat.md").write_text(
        "".join(f"[{_moment(r):%Y-%m-%d %H:%M:%S}] {r.speaker}: {r.text}\n" for r in records),
        encoding="utf-8")
    return folder


def render_signal_json(records: Sequence[ChatRecord], out: Path) -> Path:
    folder = out / "Test"
    folder.mkdir()
    (folder / "data.json").write_text("".join(
        json.dumps({"date": r.timestamp, "sender": r.speaker, "body": r.text, "quote": "",
                    "sticker": None, "reactions": [], "attachments": []},
                   ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return folder


def _mojibake(text: str) -> str:
    return text.encode("utf-8").decode("latin-1")


def render_messenger(records: Sequence[ChatRecord], out: Path) -> Path:
    """Newest first, split over message_1.json (newest) and message_2.json, in mojibake."""
    folder = out / "inbox" / "test_123"
    folder.mkdir(parents=True)
    newest_first = [{"sender_name": _mojibake(r.speaker or ""), "timestamp_ms": _epoch(r) * 1000,
                     "content": _mojibake(r.text)} for r in reversed(records)]
    half = (len(newest_first) + 1) // 2
    for n, part in ((1, newest_first[:half]), (2, newest_first[half:])):
        doc = {"participants": [{"name": "A"}], "messages": part, "title": "Test",
               "is_still_participant": True, "thread_path": "inbox/test_123", "magic_words": []}
        (folder / f"message_{n}.json").write_text(json.dumps(doc), encoding="utf-8")
    return folder


def render_discord_json(records: Sequence[ChatRecord], out: Path) -> Path:
    messages = [{"id": str(1000 + i), "type": "Default",
                 "timestamp": _moment(r).isoformat() + "+00:00", "content": r.text,
                 "author": {"id": "1", "name": r.speaker, "nickname": r.speaker},
                 "attachments": [], "embeds": [], "stickers": []}
                for i, r in enumerate(records)]
    path = out / "dm.json"
    path.write_text(json.dumps({"guild": {"id": "0", "name": "Direct Messages"},
                                "channel": {"id": "1", "name": "test"}, "messages": messages,
                                "messageCount": len(messages)}, ensure_ascii=False),
                    encoding="utf-8")
    return path


def render_discord_csv(records: Sequence[ChatRecord], out: Path) -> Path:
    path = out / "dm.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["AuthorID", "Author", "Date", "Content", "Attachments", "Reactions"])
        for r in records:
            writer.writerow(["1", r.speaker, _moment(r).isoformat() + ".0000000+00:00", r.text,
                             "", ""])
    return path


def render_imessage(records: Sequence[ChatRecord], out: Path) -> Path:
    buf = io.StringIO()
    for r in records:
        moment = _moment(r)
        hour = moment.hour % 12 or 12
        buf.write(f"{moment:%b %d, %Y} {hour:>2}:{moment:%M:%S %p}\n{r.speaker}\n{r.text}\n\n")
    path = out / "test.txt"
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _xml_attr(text: str) -> str:
    """An attribute as SMS Backup & Restore writes it: astral characters as surrogate refs."""
    quoted = quoteattr(text, {"\n": "&#10;"})
    out = []
    for ch in quoted:
        if ord(ch) > 0xFFFF:
            code = ord(ch) - 0x10000
            out.append(f"&#{0xD800 + (code >> 10)};&#{0xDC00 + (code & 0x3FF)};")
        else:
            out.append(ch)
    return "".join(out)


def render_sms_xml(records: Sequence[ChatRecord], out: Path) -> Path:
    lines = ["<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>",
             f'<smses count="{len(records)}">']
    for r in records:
        sent = r.speaker == "Me"
        lines.append(f'  <sms protocol="0" address="+1555" date="{_epoch(r) * 1000}" '
                     f'type="{2 if sent else 1}" body={_xml_attr(r.text)} '
                     f'contact_name={_xml_attr("Dana")} />')
    lines.append("</smses>")
    path = out / "sms.xml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def render_slack(records: Sequence[ChatRecord], out: Path) -> Path:
    names = sorted({r.speaker or "" for r in records})
    users = [{"id": f"U{i}", "name": n.lower(), "profile": {"display_name": n}}
             for i, n in enumerate(names)]
    ids = {n: f"U{i}" for i, n in enumerate(names)}
    days: dict[str, list[dict[str, str]]] = {}
    for i, r in enumerate(records):
        escaped = r.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        days.setdefault(f"{_moment(r):%Y-%m-%d}", []).append(
            {"type": "message", "user": ids[r.speaker or ""], "text": escaped,
             "ts": f"{_epoch(r)}.{i:06d}"})
    path = out / "slack.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("users.json", json.dumps(users))
        z.writestr("channels.json", json.dumps([{"id": "C1", "name": "general"}]))
        for day, messages in days.items():
            z.writestr(f"general/{day}.json", json.dumps(messages, ensure_ascii=False))
    return path


def render_line(records: Sequence[ChatRecord], out: Path) -> Path:
    lines = ["[LINE] Chat history with Test", "Saved on: 2024/06/10 22:00", ""]
    day = None
    for r in records:
        moment = _moment(r)
        if moment.date() != day:
            if day is not None:
                lines.append("")
            day = moment.date()
            lines.append(f"{moment:%Y/%m/%d}({moment:%a})")
        text = r.text
        if "\n" in text:
            text = '"' + text.replace('"', '""') + '"'
        lines.append(f"{moment:%H:%M}\t{r.speaker}\t{text}")
    path = out / "line.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
