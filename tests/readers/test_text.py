"""Plain text: one message per line, blank lines skipped and counted, ids are line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.errors import InputFormatError
from service.readers import ReadContext, read_path


def test_lines_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("first\n\n  \n second, indented\nlast")
    ctx = ReadContext()
    records = list(read_path(path, "text", ctx))
    assert [(r.id, r.text, r.kind) for r in records] == [
        ("1", "first", "message"), ("4", " second, indented", "message"), ("5", "last", "message")]
    assert ctx.skipped == 2


def test_undecodable_utf16_is_an_error_with_a_line(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes(b"\xff\xfeh\x00i\x00\n\x00\x00\xd8")  # a lone high surrogate
    with pytest.raises(InputFormatError, match="not decodable"):
        list(read_path(path, "text"))
