"""JSON Lines: bad lines carry their line number; report mode skips and counts them."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.errors import InputFormatError
from service.readers import ReadContext, read_path

LINES = '{"text": "a"}\nnot json\n\n{"text": 5}\n["x"]\n{"text": "b", "kind": "weird"}\n' \
        '{"text": "c", "timestamp": "soon"}\n{"text": "d", "id": 7, "speaker": "S"}\n'


def test_first_bad_line_raises_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text(LINES)
    with pytest.raises(InputFormatError, match=r"^line 2: jsonl: line is not valid JSON"):
        list(read_path(path, "jsonl"))


def test_report_mode_skips_and_records_every_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text(LINES)
    ctx = ReadContext(on_error="report")
    records = list(read_path(path, "jsonl", ctx))
    assert [(r.id, r.text, r.speaker) for r in records] == [("1", "a", None), ("7", "d", "S")]
    assert [line for line, _ in ctx.errors] == [2, 4, 5, 6, 7]
    assert all("a" != reason for _, reason in ctx.errors)
    assert ctx.skipped == 1
