"""Messenger/Instagram: several files merged oldest first, mojibake repaired only where it is."""

from __future__ import annotations

import json
from pathlib import Path

from service.readers import read_path


def _write(folder: Path, n: int, messages: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"message_{n}.json").write_text(json.dumps(
        {"participants": [{"name": "A"}], "messages": messages, "title": "T"}))


def test_files_merge_in_time_order(tmp_path: Path) -> None:
    folder = tmp_path / "inbox" / "t_1"
    _write(folder, 1, [{"sender_name": "A", "timestamp_ms": 4000, "content": "d"},
                       {"sender_name": "B", "timestamp_ms": 3000, "content": "c"}])
    _write(folder, 2, [{"sender_name": "A", "timestamp_ms": 2000, "content": "b"},
                       {"sender_name": "B", "timestamp_ms": 1000, "content": "a"}])
    _write(folder, 10, [{"sender_name": "B", "timestamp_ms": 500, "content": "first"}])
    records = list(read_path(folder))
    assert [r.text for r in records] == ["first", "a", "b", "c", "d"]
    assert [r.id for r in records] == ["1", "2", "3", "4", "5"]


def test_equal_timestamps_keep_chronological_file_order(tmp_path: Path) -> None:
    folder = tmp_path / "t"
    _write(folder, 1, [{"sender_name": "A", "timestamp_ms": 1000, "content": "second"},
                       {"sender_name": "A", "timestamp_ms": 1000, "content": "first"}])
    assert [r.text for r in read_path(folder, "messenger")] == ["first", "second"]


def test_mojibake_in_names_and_text(tmp_path: Path) -> None:
    folder = tmp_path / "t"
    moj = "Zo\u00c3\u00ab \u00f0\u009f\u0098\u0080"  # "Zoë 😀" as Meta writes it
    _write(folder, 1, [{"sender_name": moj, "timestamp_ms": 1, "content": moj}])
    [record] = read_path(folder, "messenger")
    assert (record.speaker, record.text) == ("Zoë 😀", "Zoë 😀")
