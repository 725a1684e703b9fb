"""The registry: every contract format has a reader, detection names each fixture right."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from service.errors import InputFormatError
from service.readers import FORMATS, READERS, ReadContext, detect_format, read_path, read_stream

from .cases import CASES, FIXTURES

CONTRACT_FORMATS = ("text", "jsonl", "csv", "whatsapp", "telegram", "signal", "messenger",
                    "instagram", "discord", "imessage", "sms-xml", "slack", "line")


def test_formats_are_the_contracts() -> None:
    assert set(FORMATS) == set(CONTRACT_FORMATS)
    assert set(READERS) == set(FORMATS)
    assert all(callable(reader) for reader in READERS.values())


def test_every_format_has_a_fixture() -> None:
    assert {fmt for _, _, fmt in CASES} == set(FORMATS)


@pytest.mark.parametrize(("case", "rel", "fmt"), CASES, ids=[c[0] for c in CASES])
def test_detect_format_on_fixture(case: str, rel: str, fmt: str) -> None:
    assert detect_format(FIXTURES / rel) == fmt


FILE_CASES = [c for c in CASES if (FIXTURES / c[1]).is_file()]


@pytest.mark.parametrize(("case", "rel", "fmt"), FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_auto_on_a_nameless_stream_matches_the_file(case: str, rel: str, fmt: str) -> None:
    """Content alone decides: the same records from stdin (no name) as from the path."""
    path = FIXTURES / rel
    from_path = [(r.text, r.speaker, r.timestamp, r.kind) for r in read_path(path)]
    from_stream = [(r.text, r.speaker, r.timestamp, r.kind)
                   for r in read_stream(io.BytesIO(path.read_bytes()), "auto")]
    assert from_stream == from_path


def test_instagram_file_is_told_from_messenger_by_content() -> None:
    path = next((FIXTURES / "instagram").rglob("message_1.json"))
    texts = [r.text for r in read_stream(io.BytesIO(path.read_bytes()), "auto")]
    assert texts[0] == "look at this sunset, wish you were here"
    from service.readers.common import Source
    from service.readers.detect import detect_source

    assert detect_source(Source.one_shot(io.BytesIO(path.read_bytes()))) == "instagram"


def test_unknown_format_name_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("hi\n")
    with pytest.raises(InputFormatError, match="unknown format 'myspace'"):
        read_path(path, "myspace")


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty"),
    (b"\x00\x01\x02\x03binary\x00", "binary"),
    (b'{\n "hello": "world",\n "items": [1, 2]\n}', "JSON that is not a chat export"),
    (b"<?xml version='1.0'?><html></html>", "XML that is not an SMS Backup"),
    (b'{"speaker": "a"}\n{"speaker": "b"}\n', 'without a "text" field'),
    (b"PK\x03\x04garbage", "zip"),
])
def test_detection_refuses_what_it_cannot_read(tmp_path: Path, content: bytes,
                                               message: str) -> None:
    path = tmp_path / "input.bin"
    path.write_bytes(content)
    with pytest.raises(InputFormatError, match=message):
        detect_format(path)


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputFormatError, match="no such file"):
        read_path(tmp_path / "nope.txt")


def test_read_stream_text_is_streamed_without_spooling() -> None:
    """A one-pass format reads stdin as it arrives: the first record before the end."""
    ctx = ReadContext()
    records = read_stream(io.BytesIO(b"one\n\ntwo\n"), "text", ctx)
    assert [(r.id, r.text) for r in records] == [("1", "one"), ("3", "two")]
    assert ctx.skipped == 1
