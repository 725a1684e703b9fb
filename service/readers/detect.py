"""`--format auto`: tell the export format from a file's content (or an export's layout).

Detection looks at the first 64 KiB only, so it is cheap on any file size. Each rule
looks for something only one exporter writes; plain text is the fallback for any
decodable text that matches nothing else. Binary or unknown JSON/XML is an error.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from service.errors import InputFormatError
from service.readers import csv_generic, imessage, line, signal_export, slack, whatsapp
from service.readers.common import DIRECTION_MARKS, SNIFF_BYTES, Source, sniff_encoding

_KEY = r'"{}"\s*:'
SCAN_LINES = 60


def _has(head: str, *keys: str) -> bool:
    return all(re.search(_KEY.format(re.escape(k)), head) for k in keys)


def detect_source(source: Source) -> str:
    """The format name of a source; InputFormatError when no reader fits."""
    if source.is_dir:
        assert source.path is not None
        return _detect_dir(source.path)
    head = source.head(SNIFF_BYTES)
    if not head.strip():
        raise InputFormatError(f"{source.name}: the input is empty")
    if head.startswith(b"PK\x03\x04"):
        return _detect_zip(source)
    encoding = sniff_encoding(head)
    if b"\0" in head and not encoding.startswith("utf-16") and not encoding.startswith("utf-32"):
        raise InputFormatError(f"{source.name}: binary data, not a chat export")
    text = head.decode(encoding, errors="ignore").lstrip(DIRECTION_MARKS + " \t\r\n")
    if text.startswith("<"):
        if re.search(r"<smses[\s>]", text):
            return "sms-xml"
        raise InputFormatError(f"{source.name}: XML that is not an SMS Backup & Restore file")
    if re.match(r"[{\[]\s*[\[{\"\]}]", text) or text in ("{", "["):
        return _detect_json(text, source)
    return _detect_text(text, source.name)


def _detect_dir(path: Path) -> str:
    names = {p.name for p in path.iterdir()}
    if slack.is_slack_tree(names):
        return "slack"
    messages = sorted(path.glob("message_*.json"))
    if messages:
        head = messages[0].read_bytes()[:SNIFF_BYTES].decode("utf-8", errors="ignore")
        return _facebook(head, path)
    if "chat.md" in names or "data.json" in names or any(
        (p / "chat.md").is_file() for p in path.iterdir() if p.is_dir()
    ):
        return "signal"
    raise InputFormatError(f"{path.name}: directory holds no chat export this tool reads")


def _detect_zip(source: Source) -> str:
    names = source.zipfile().namelist()
    if slack.is_slack_tree({n.rstrip("/") for n in names}):
        return "slack"
    try:
        whatsapp.chat_member(names)
    except InputFormatError:
        raise InputFormatError(f"{source.name}: zip archive is neither a WhatsApp nor a Slack "
                               "export") from None
    return "whatsapp"


def _facebook(head: str, path: Path | None) -> str:
    """Messenger and Instagram share one layout; Instagram is told by its links and paths."""
    parts = [p.lower() for p in path.parts] if path is not None else []
    if any("instagram" in p for p in parts) or "instagram.com" in head:
        return "instagram"
    return "messenger"


def _detect_json(text: str, source: Source) -> str:
    first = text.split("\n", 1)[0].strip()
    try:
        obj = json.loads(first)
    except json.JSONDecodeError:
        obj = None
    if isinstance(obj, dict) and not any(k in obj for k in ("messages", "chats", "guild")):
        if "text" in obj:
            return "jsonl"
        if signal_export.is_data_line(obj):
            return "signal"
        raise InputFormatError(f"{source.name}: JSON lines without a \"text\" field")
    if _has(text, "guild") and _has(text, "channel") and _has(text, "messages"):
        return "discord"
    if _has(text, "personal_information") or _has(text, "date_unixtime") or (
        _has(text, "messages") and _has(text, "from_id")
    ) or re.search(r'"type"\s*:\s*"(personal_chat|private_group|private_supergroup|'
                   r'public_supergroup|saved_messages|bot_chat)"', text) or (
        _has(text, "messages") and re.search(r'"type"\s*:\s*"(message|service)"', text)
    ):
        return "telegram"
    if _has(text, "participants") and (
        _has(text, "sender_name") or _has(text, "senderName") or _has(text, "threadName")
    ):
        return _facebook(text, source.path)
    raise InputFormatError(f"{source.name}: JSON that is not a chat export this tool reads")


def _detect_text(text: str, name: str) -> str:
    lines = [ln.rstrip("\r") for ln in text.split("\n")[:SCAN_LINES]]
    filled = [ln for ln in lines if ln.strip(DIRECTION_MARKS + " \t")]
    if not filled:
        return "text"
    if line.is_line_export(filled):
        return "line"
    if imessage.is_stamp_line(filled[0]):
        return "imessage"
    signal_hits = sum(1 for ln in filled if signal_export.HEADER.match(ln))
    whatsapp_hits = [m for m in (whatsapp.match_header(ln) for ln in filled) if m]
    if whatsapp_hits or signal_hits:
        if signal_hits >= len(whatsapp_hits) and _signal_rather(text, name, signal_hits):
            return "signal"
        if whatsapp_hits:
            return "whatsapp"
    header = filled[0].lstrip("\ufeff")
    if re.match(r'^"?AuthorID"?,"?Author"?,"?Date"?,"?Content"?', header):
        return "discord"
    if _looks_csv(filled):
        return "csv"
    return "text"


def _signal_rather(text: str, name: str, hits: int) -> bool:
    """Signal's chat.md and WhatsApp iOS in ISO-date locales look alike; tell them apart."""
    if name.lower().endswith(".md") or "](./" in text:
        return True
    return "\u200e" not in text  # WhatsApp iOS marks its system and media lines


def _looks_csv(lines: list[str]) -> bool:
    """A header naming a text column, and rows with as many cells as the header."""
    sample = "\n".join(lines)
    delimiter = csv_generic.sniff_delimiter(sample)
    rows = list(csv.reader(lines[:10], delimiter=delimiter))
    if not rows or len(rows[0]) < 2:
        return False
    header = [h.strip().lower() for h in rows[0]]
    if not any(alias in header for alias in csv_generic.ALIASES["text"]):
        return False
    return all(len(r) == len(rows[0]) for r in rows[1:3] if r)
