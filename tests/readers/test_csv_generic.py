"""Generic CSV: column mapping, sniffed delimiter and encoding, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.errors import InputFormatError
from service.readers import ReadContext, read_path
from service.readers.csv_generic import sniff_delimiter


def test_column_mapping_for_unusual_headers(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("when\twho\twhat\n2024-01-02 10:00\tKim\thello\tthere\n")
    ctx = ReadContext(csv_columns={"text": "what", "speaker": "who", "timestamp": "when"})
    records = list(read_path(path, "csv", ctx))
    assert [(r.text, r.speaker, r.timestamp, r.id) for r in records] == [
        ("hello", "Kim", "2024-01-02T10:00:00", "2")]


def test_missing_text_column_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("when,who\n1,2\n")
    with pytest.raises(InputFormatError, match="no text column"):
        list(read_path(path, "csv"))
    with pytest.raises(InputFormatError, match="not in the header"):
        list(read_path(path, "csv", ReadContext(csv_columns={"text": "body"})))


@pytest.mark.parametrize(("sample", "delimiter"), [
    ("a,b,c\n1,2,3\n", ","),
    ("a;b\n\"x;y\nz\";2\n3;4\n", ";"),
    ("a\tb\n1\t2\n", "\t"),
    ("a|b|c\n1|2|3\n", "|"),
    ("just one column\n", ","),
])
def test_sniff_delimiter(sample: str, delimiter: str) -> None:
    assert sniff_delimiter(sample) == delimiter


def test_bad_timestamp_and_short_rows_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("date,sender,message\nnot a date,A,hi\nB\n2024-01-01,C,ok\n")
    ctx = ReadContext(on_error="report")
    records = list(read_path(path, "csv", ctx))
    assert [r.text for r in records] == ["ok"]
    assert [line for line, _ in ctx.errors] == [2, 3]
