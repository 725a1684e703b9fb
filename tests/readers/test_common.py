"""The shared helpers: the one timestamp parser, decoding, mojibake repair, ReadContext."""

from __future__ import annotations

import io

import pytest

from service.errors import InputFormatError
from service.readers.common import (
    ReadContext,
    Source,
    fix_mojibake,
    open_text,
    parse_timestamp,
    sniff_encoding,
)


@pytest.mark.parametrize(("value", "options", "expected"), [
    ("2024-02-14T21:05:00", {}, "2024-02-14T21:05:00"),
    ("2024-02-14T21:05:00Z", {}, "2024-02-14T21:05:00+00:00"),
    ("2024-02-14T22:05:00+01:00", {}, "2024-02-14T21:05:00+00:00"),
    ("2023-06-10T14:22:33.4560000+02:00", {}, "2023-06-10T12:22:33.456000+00:00"),
    (1707944700, {}, "2024-02-14T21:05:00+00:00"),
    (1707944700000, {}, "2024-02-14T21:05:00+00:00"),
    ("1707944700000", {"unit": "ms"}, "2024-02-14T21:05:00+00:00"),
    ("1717315200.000200", {"unit": "s"}, "2024-06-02T08:00:00.000200+00:00"),
    ("1707944700", {}, "2024-02-14T21:05:00+00:00"),
    ("14/02/2024 21:05", {}, "2024-02-14T21:05:00"),
    ("02/14/24, 9:05 PM", {}, "2024-02-14T21:05:00"),
    ("3/4/24 10:00", {"dayfirst": True}, "2024-04-03T10:00:00"),
    ("3/4/24 10:00", {"dayfirst": False}, "2024-03-04T10:00:00"),
    ("3/4/24 10:00", {}, "2024-04-03T10:00:00"),
    ("12/31/20, 11:59\u202fPM", {"dayfirst": False}, "2020-12-31T23:59:00"),
    ("12/31/20 12:01\u00a0AM", {}, "2020-12-31T00:01:00"),
    ("14/2/24 9:05\u00a0p.\u00a0m.", {}, "2024-02-14T21:05:00"),
    ("15/2/24 12:10 a. m.", {}, "2024-02-15T00:10:00"),
    ("03.01.24, 14:05", {}, "2024-01-03T14:05:00"),
    ("31.12.23 8:15 nachm.", {}, "2023-12-31T20:15:00"),
    ("31.12.23 8:15 vorm.", {}, "2023-12-31T08:15:00"),
    ("2024/1/5 下午3:07", {}, "2024-01-05T15:07:00"),
    ("31.12.2020 klo 23.59", {}, "2020-12-31T23:59:00"),
    ("\u200e31/12/2023", {}, "2023-12-31T00:00:00"),
    ("Mar 03, 2024  9:41:00 PM", {}, "2024-03-03T21:41:00"),
    ("01-Jan-20 12:00 PM", {}, "2020-01-01T12:00:00"),
    ("2024-06-08 21:02", {}, "2024-06-08T21:02:00"),
    (None, {}, None),
    ("", {}, None),
])
def test_parse_timestamp(value: str | int | None, options: dict, expected: str | None) -> None:
    assert parse_timestamp(value, **options) == expected


@pytest.mark.parametrize("value", ["yesterday", "32/01/2024 10:00", "13/13/24 10:00",
                                   "2024-02-30T10:00", "12/01/24 25:00", True, 1e300])
def test_parse_timestamp_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(value)  # type: ignore[arg-type]


def test_fix_mojibake_repairs_only_mojibake() -> None:
    assert fix_mojibake("d\u00c3\u00a9sol\u00c3\u00a9 \u00e2\u009d\u00a4") == "désolé ❤"
    assert fix_mojibake("café") == "café"  # genuine latin-1 é is not valid UTF-8 bytes
    assert fix_mojibake("plain ascii") == "plain ascii"
    assert fix_mojibake("中文 stays") == "中文 stays"  # above U+00FF: cannot be mojibake


@pytest.mark.parametrize(("head", "expected"), [
    (b"\xef\xbb\xbfhello", "utf-8-sig"),
    (b"\xff\xfeh\x00i\x00", "utf-16"),
    ("héllo".encode(), "utf-8"),
    ("héllo".encode("cp1252"), "cp1252"),
    (b"a" * (64 * 1024 - 2) + "中".encode()[:2], "utf-8"),  # cut at the end of the sample
    ("hi".encode("utf-16-le"), "utf-16-le"),
])
def test_sniff_encoding(head: bytes, expected: str) -> None:
    assert sniff_encoding(head) == expected


def test_open_text_decodes_bom_and_cp1252() -> None:
    assert open_text(io.BytesIO(b"\xef\xbb\xbfhi\r\nyo")).read() == "hi\nyo"
    assert open_text(io.BytesIO("Zoë".encode("cp1252"))).read() == "Zoë"
    assert open_text(io.BytesIO("ok".encode("utf-16"))).read() == "ok"


def test_bad_line_raises_or_reports() -> None:
    with pytest.raises(InputFormatError, match="line 7: broken"):
        ReadContext().bad_line(7, "broken")
    ctx = ReadContext(on_error="report")
    ctx.bad_line(7, "broken")
    assert ctx.errors == [(7, "broken")]


def test_warnings_are_recorded_once() -> None:
    ctx = ReadContext()
    ctx.warn("x")
    ctx.warn("x")
    assert ctx.warnings == ["x"]


def test_spooled_source_can_be_read_twice() -> None:
    source = Source.from_stream(io.BytesIO(b"abc"))
    for _ in range(2):
        with source.open() as f:
            assert f.read() == b"abc"


def test_one_shot_source_refuses_a_second_read() -> None:
    source = Source.one_shot(io.BytesIO(b"abc"))
    assert source.head(2) == b"ab"
    with source.open() as f:
        assert f.read() == b"abc"
    with pytest.raises(InputFormatError, match="already read"), source.open():
        pass
