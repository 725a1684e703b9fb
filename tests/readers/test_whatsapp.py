"""WhatsApp traps: date order, clocks and markers, marks, multi-line, system and media lines."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from service.errors import InputFormatError
from service.readers import ReadContext, read_path, read_stream
from service.readers.whatsapp import AMBIGUOUS_WARNING, DateOrder, render_whatsapp
from service.records import ChatRecord


def _read(tmp_path: Path, text: str, **ctx_options: object) -> tuple[list[ChatRecord], ReadContext]:
    path = tmp_path / "chat.txt"
    path.write_text(text, encoding="utf-8")
    ctx = ReadContext(**ctx_options)  # type: ignore[arg-type]
    return list(read_path(path, "whatsapp", ctx)), ctx


def test_value_over_12_in_second_field_means_month_first(tmp_path: Path) -> None:
    records, ctx = _read(tmp_path, "1/2/24, 10:00 - A: x\n1/13/24, 10:00 - B: y\n")
    assert [r.timestamp for r in records] == ["2024-01-02T10:00:00", "2024-01-13T10:00:00"]
    assert ctx.warnings == []


def test_the_field_that_changes_like_a_day_decides(tmp_path: Path) -> None:
    text = "".join(f"{d}/3/24, 10:00 - A: x\n" for d in (1, 2, 4, 7, 9))
    records, ctx = _read(tmp_path, text)
    assert [r.timestamp[:10] for r in records] == [
        "2024-03-01", "2024-03-02", "2024-03-04", "2024-03-07", "2024-03-09"]
    records, _ = _read(tmp_path, "".join(f"3/{d}/24, 10:00 - A: x\n" for d in (1, 2, 4)))
    assert records[-1].timestamp == "2024-03-04T10:00:00"
    assert ctx.warnings == []


def test_ambiguous_dates_warn_and_overrides_win(tmp_path: Path) -> None:
    text = "3/4/24, 10:00 - A: x\n"
    records, ctx = _read(tmp_path, text)
    assert records[0].timestamp == "2024-04-03T10:00:00"
    assert ctx.warnings == [AMBIGUOUS_WARNING]
    assert "x" not in AMBIGUOUS_WARNING  # no message text in warnings
    records, ctx = _read(tmp_path, text, dayfirst=False)
    assert records[0].timestamp == "2024-03-04T10:00:00"
    assert ctx.warnings == []


def test_contradicting_dates_are_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputFormatError, match="neither day-first nor month-first"):
        _read(tmp_path, "13/1/24, 10:00 - A: x\n1/13/24, 10:00 - A: y\n")


def test_override_against_the_data_reports_the_line(tmp_path: Path) -> None:
    text = "1/2/24, 10:00 - A: x\n13/2/24, 10:00 - A: y\n"
    with pytest.raises(InputFormatError, match=r"^line 2: whatsapp: .*impossible date"):
        _read(tmp_path, text, dayfirst=False)
    records, ctx = _read(tmp_path, text, dayfirst=False, on_error="report")
    assert [r.text for r in records] == ["x"]
    assert ctx.errors == [(2, "whatsapp: message line has an impossible date or time "
                              "(try --dayfirst/--monthfirst)")]


def test_text_before_the_first_message_is_reported_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(InputFormatError, match=r"^line 1: "):
        _read(tmp_path, "hello\n1/2/24, 10:00 - A: x\n")


@pytest.mark.parametrize(("line", "timestamp", "speaker"), [
    ("[31/12/2023, 9:05:01\u202fPM] A: x", "2023-12-31T21:05:01", "A"),
    ("\u200e[31/12/2023, 21:05:01] A: x", "2023-12-31T21:05:01", "A"),
    ("31/12/2023, 9:05\u00a0p.\u00a0m. - A: x", "2023-12-31T21:05:00", "A"),
    ("31.12.23, 21:05 - A: x", "2023-12-31T21:05:00", "A"),
    ("31/12/23 21:05 - A: x", "2023-12-31T21:05:00", "A"),
    ("2023-12-31, 21:05 - A: x", "2023-12-31T21:05:00", "A"),
    ("31/12/2023, 下午9:05 - A: x", "2023-12-31T21:05:00", "A"),
    ("31.12.23, 9:05 nachm. - A: x", "2023-12-31T21:05:00", "A"),
    ("31/12/23, 21:05 - \u202a+1 555 0100\u202c: x", "2023-12-31T21:05:00", "+1 555 0100"),
])
def test_header_variants(tmp_path: Path, line: str, timestamp: str, speaker: str) -> None:
    records, _ = _read(tmp_path, line + "\n")
    assert [(r.timestamp, r.speaker, r.text) for r in records] == [(timestamp, speaker, "x")]


@pytest.mark.parametrize(("body", "kind"), [
    ("<Media omitted>", "media"),
    ("\u200eimage omitted", "media"),
    ("\u200eContact card omitted", "media"),
    ("\u200e<attached: 00000012-PHOTO-2024-01-01-10-00-00.jpg>", "media"),
    ("IMG-20240101-WA0001.jpg (file attached)", "media"),
    ("This message was deleted", "system"),
    ("I left my keys at yours", "message"),
    ("you added salt twice: too much", "message"),
])
def test_kinds(tmp_path: Path, body: str, kind: str) -> None:
    records, _ = _read(tmp_path, f"31/12/23, 21:05 - Sam: {body}\n")
    assert records[0].kind == kind
    assert records[0].speaker == "Sam"


@pytest.mark.parametrize("line", [
    "31/12/23, 21:05 - Sam added Alex",
    "31/12/23, 21:05 - Alex left",
    '31/12/23, 21:05 - Sam changed the subject from "a" to "b: c"',
    "31/12/23, 21:05 - Messages and calls are end-to-end encrypted. Tap to learn more.",
    "[31/12/23, 21:05:00] Group: \u200eSam added Alex",
    "[31/12/23, 21:05:00] Sam: Messages and calls are end-to-end encrypted.",
])
def test_system_lines(tmp_path: Path, line: str) -> None:
    records, _ = _read(tmp_path, line + "\n")
    assert records[0].kind == "system"
    assert records[0].speaker is None


def test_multi_line_messages_keep_blank_lines(tmp_path: Path) -> None:
    records, _ = _read(tmp_path, "31/12/23, 21:05 - A: one\n\ntwo\n31/12/23, 21:06 - B: z\n")
    assert [r.text for r in records] == ["one\n\ntwo", "z"]
    assert records[0].id == "1" and records[1].id == "4"


def test_crlf_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "c.txt"
    path.write_bytes(b"\xef\xbb\xbf31/12/23, 21:05 - A: hi\r\nthere\r\n")
    assert [r.text for r in read_path(path)] == ["hi\nthere"]


def test_zip_with_ios_chat_and_stdin_zip(tmp_path: Path) -> None:
    path = tmp_path / "WhatsApp Chat - Sam.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("_chat.txt", "[31/12/2023, 21:05:01] Sam: hi\n")
        z.writestr("00000012-PHOTO.jpg", b"\xff\xd8")
    records = list(read_path(path))
    assert [(r.conversation, r.text) for r in records] == [("Sam", "hi")]
    streamed = list(read_stream(io.BytesIO(path.read_bytes()), "auto"))
    assert [r.text for r in streamed] == ["hi"]


def test_stdin_reads_twice_for_date_order() -> None:
    data = b"1/2/24, 10:00 - A: x\n1/13/24, 10:00 - B: y\n"
    records = list(read_stream(io.BytesIO(data), "whatsapp"))
    assert records[0].timestamp == "2024-01-02T10:00:00"


def test_date_order_counters() -> None:
    order = DateOrder()
    for date in ("1/5/24", "2/5/24", "3/5/24"):
        order.feed(date)
    assert order.decide() is True
    assert (order.first_changes, order.second_changes) == (2, 0)


def test_render_whatsapp_variants_read_back(tmp_path: Path) -> None:
    records = [ChatRecord(text="hi\nthere", timestamp="2024-02-14T21:05:00", speaker="A"),
               ChatRecord(text="Sam added Alex", timestamp="2024-02-14T21:06:00", kind="system")]
    for dayfirst in (True, False):
        for clock24 in (True, False):
            for ios in (True, False):
                path = tmp_path / "chat.txt"
                path.write_text(render_whatsapp(records, dayfirst=dayfirst, clock24=clock24,
                                                ios=ios))
                got = list(read_path(path, "auto"))
                assert [(r.text, r.kind, r.timestamp) for r in got] == [
                    ("hi\nthere", "message", "2024-02-14T21:05:00"),
                    ("Sam added Alex", "system", "2024-02-14T21:06:00")], (dayfirst, clock24, ios)


def _big_export(path: Path, count: int) -> None:
    start = datetime(2023, 1, 1)
    with path.open("w", encoding="utf-8") as f:
        for block in range(0, count, 1000):
            records = [ChatRecord(text=f"message {i} with some words\nand a second line",
                                  timestamp=(start + timedelta(minutes=3 * i)).isoformat(),
                                  speaker="AB"[i % 2]) for i in range(block, block + 1000)]
            f.write(render_whatsapp(records))


@pytest.mark.slow
def test_parsing_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    """Peak traced memory for 20,000 messages is about that for 2,000: constant memory."""
    peaks = []
    for count in (2_000, 20_000):
        path = tmp_path / f"chat{count}.txt"
        _big_export(path, count)
        tracemalloc.start()
        n = sum(1 for _ in read_path(path, "whatsapp"))
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert n == count
    assert peaks[1] < peaks[0] * 1.5 + 256 * 1024
