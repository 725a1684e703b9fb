"""Golden expectations: each hand-written fixture reads to its checked-in records."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import groupby

import pytest

from service.readers import ReadContext, read_path

from .cases import CASES, FIXTURES, GOLDEN


@pytest.mark.parametrize(("case", "rel", "fmt"), CASES, ids=[c[0] for c in CASES])
def test_fixture_matches_golden(case: str, rel: str, fmt: str) -> None:
    expected = json.loads((GOLDEN / f"{case}.json").read_text(encoding="utf-8"))
    ctx = ReadContext()
    records = [r.as_dict() for r in read_path(FIXTURES / rel, "auto", ctx)]
    assert records == expected["records"]
    assert ctx.warnings == expected["warnings"]
    assert ctx.skipped == expected["skipped"]
    assert ctx.errors == []


def _as_utc(stamp: str) -> datetime:
    moment = datetime.fromisoformat(stamp)
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


@pytest.mark.parametrize(("case", "rel", "fmt"), CASES, ids=[c[0] for c in CASES])
def test_records_are_in_time_order_per_conversation(case: str, rel: str, fmt: str) -> None:
    """Newest-first sources (Messenger, Instagram) come out oldest first like the rest."""
    records = list(read_path(FIXTURES / rel, fmt))
    assert records, case
    assert all(r.id for r in records)
    for _, group in groupby(records, key=lambda r: r.conversation):
        stamps = [_as_utc(r.timestamp) for r in group if r.timestamp]
        assert stamps == sorted(stamps), case
