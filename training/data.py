"""Read labelled message files: the corpus (with splits) and any `{"text", "labels"}` JSONL file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from service.errors import InputFormatError, UsageError
from service.records import LABELS

# Message length buckets in words, shared by the data card and the model card's test slices: the
# corpus once labelled long messages far more often than short ones, and real chats are full of
# short lines.
LENGTH_BUCKETS = (("1-4", 1, 4), ("5-8", 5, 8), ("9-15", 9, 15), ("16+", 16, 10**9))

# Shards of whole scenes and threads labelled line by line (`nat9a`, `nat12c`, ...), as opposed to
# messages written one at a time around a cue: their label mix is that of real talk (about 80% none).
NATURAL_SHARD_PREFIX = "nat"


def writer_of(message_id: str) -> str:
    """The writer (shard) of a corpus message: its id without the running number (`sg-0042` -> `sg`)."""
    return message_id.rsplit("-", 1)[0]


def is_natural(message_id: str) -> bool:
    """Whether a corpus message comes from a natural-conversation shard."""
    return message_id.startswith(NATURAL_SHARD_PREFIX)


@dataclass(frozen=True)
class LabelledSet:
    """Texts with their label indicator matrix (columns in `LABELS` order) and raw records."""

    texts: list[str]
    Y: np.ndarray
    records: list[dict[str, Any]]

    def __len__(self) -> int:
        return len(self.texts)

    def where(self, key: str, value: Any) -> LabelledSet:
        keep = [i for i, r in enumerate(self.records) if r.get(key) == value]
        return LabelledSet([self.texts[i] for i in keep], self.Y[keep], [self.records[i] for i in keep])


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every object of a JSON Lines file; a bad line is an error that names its line number."""
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    rows = []
    with path.open(encoding="utf-8-sig") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise InputFormatError(f"{path.name}: not JSON ({e.msg})", line=n) from e
            if not isinstance(row, dict):
                raise InputFormatError(f"{path.name}: expected a JSON object", line=n)
            row["_line"] = n
            rows.append(row)
    return rows


def to_labelled_set(rows: Sequence[dict[str, Any]], *, source: str = "input") -> LabelledSet:
    """Check each row has `text` (str) and `labels` (known names) and build the indicator matrix."""
    Y = np.zeros((len(rows), len(LABELS)), dtype=int)
    texts = []
    for i, row in enumerate(rows):
        line = row.get("_line", i + 1)
        text, labels = row.get("text"), row.get("labels")
        if not isinstance(text, str):
            raise InputFormatError(f"{source}: 'text' must be a string", line=line)
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise InputFormatError(f"{source}: 'labels' must be a list of label names", line=line)
        for label in labels:
            if label not in LABELS:
                raise InputFormatError(f"{source}: unknown label {label!r}", line=line)
            Y[i, LABELS.index(label)] = 1
        texts.append(text)
    return LabelledSet(texts, Y, list(rows))


def load_labelled(path: Path) -> LabelledSet:
    return to_labelled_set(read_jsonl(path), source=path.name)
