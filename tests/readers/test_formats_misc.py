"""Smaller traps of the remaining readers: Telegram, Signal, Discord, iMessage, LINE."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.errors import InputFormatError
from service.readers import ReadContext, read_path
from service.readers.telegram import flatten_text


def test_telegram_text_forms() -> None:
    assert flatten_text("plain") == "plain"
    assert flatten_text(["a ", {"type": "link", "text": "b"}, " c"]) == "a b c"
    assert flatten_text(None) == ""


def test_telegram_bad_json_reports_line(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text('{\n "name": "x",\n "messages": [\n  {"id": 1,}\n ]\n}')
    with pytest.raises(InputFormatError, match=r"^line 4: telegram: not valid JSON"):
        list(read_path(path, "telegram"))


def test_telegram_missing_unixtime_uses_date(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"name": "x", "messages": [
        {"id": 1, "type": "message", "date": "2024-01-01T10:00:00", "from": "A", "text": "hi"}]}))
    [record] = read_path(path)
    assert record.timestamp == "2024-01-01T10:00:00"


def test_signal_markdown_before_first_line_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "chat.md"
    path.write_text("stray\n[2024-01-01 10:00] A: hi\n")
    ctx = ReadContext(on_error="report")
    assert [r.text for r in read_path(path, "signal", ctx)] == ["hi"]
    assert ctx.errors[0][0] == 1


def test_discord_csv_header_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InputFormatError, match=r"^line 1: discord: CSV header"):
        list(read_path(path, "discord"))


def test_imessage_body_with_blank_line_then_timestamp_like_text(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text("Jan 01, 2024  9:00:00 AM\nMe\nfirst\n\nsecond\n\n"
                    "Jan 01, 2024  9:01:00 AM\nBo\nok\n")
    records = list(read_path(path, "imessage"))
    assert [(r.speaker, r.text) for r in records] == [("Me", "first\n\nsecond"), ("Bo", "ok")]


def test_line_android_date_header_and_ampm(tmp_path: Path) -> None:
    path = tmp_path / "line.txt"
    path.write_text("Sat, 06/08/2024\n9:00 PM\tHana\thi\n")
    [record] = read_path(path, "auto")
    assert (record.timestamp, record.speaker, record.text) == ("2024-06-08T21:00:00", "Hana", "hi")
