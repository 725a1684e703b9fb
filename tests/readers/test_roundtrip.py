"""Property-based round trips: generated conversations, rendered in each format, read back."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.readers import ReadContext, read_path
from service.records import ChatRecord

from . import render

# No digits, '[', '(' or tabs: a continuation line must never look like a message header.
ALPHABET = "abcdefghijklmnopqrstuvwxyzABCXYZéüñçøßЖж中文😀🙏❤!?,.'&<>\";:"
WORD = st.text(alphabet=ALPHABET, min_size=1, max_size=8)
LINE = st.lists(WORD, min_size=1, max_size=5).map(" ".join)
MULTILINE = st.lists(LINE, min_size=1, max_size=3).map("\n".join)
SPEAKERS = ("Me", "Dana")
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def conversations(draw: st.DrawFn, *, multiline: bool = True) -> list[ChatRecord]:
    texts = draw(st.lists(MULTILINE if multiline else LINE, min_size=1, max_size=12))
    gaps = draw(st.lists(st.integers(min_value=1, max_value=4000), min_size=len(texts),
                         max_size=len(texts)))
    moment = datetime(2023, 12, 30, 8, 0)
    records = []
    for i, (text, gap) in enumerate(zip(texts, gaps, strict=True)):
        moment += timedelta(minutes=gap)
        records.append(ChatRecord(text=text, timestamp=moment.isoformat(),
                                  speaker=SPEAKERS[(i + gap) % 2]))
    return records


def _minute(stamp: str | None) -> datetime | None:
    """A timestamp as naive UTC to the minute (formats differ in seconds and zones)."""
    if stamp is None:
        return None
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(second=0, microsecond=0)


def _check(records: list[ChatRecord], renderer: Callable[..., Path], fmt: str, *,
           timestamps: bool = True, speakers: bool = True, ctx: ReadContext | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = renderer(records, Path(tmp))
        got = list(read_path(path, "auto", ctx or ReadContext()))
        assert [r.text for r in got] == [r.text for r in records], fmt
        assert all(r.kind == "message" for r in got)
        assert len({r.id for r in got}) == len(got)
        if speakers:
            assert [r.speaker for r in got] == [r.speaker for r in records]
        if timestamps:
            assert [_minute(r.timestamp) for r in got] == [_minute(r.timestamp) for r in records]


MULTILINE_FORMATS = [
    ("jsonl", render.render_jsonl),
    ("csv", render.render_csv),
    ("telegram", render.render_telegram),
    ("signal", render.render_signal_md),
    ("signal", render.render_signal_json),
    ("messenger", render.render_messenger),
    ("discord", render.render_discord_json),
    ("discord", render.render_discord_csv),
    ("imessage", render.render_imessage),
    ("sms-xml", render.render_sms_xml),
    ("slack", render.render_slack),
    ("line", render.render_line),
    ("whatsapp", partial(render.render_whatsapp_file, ios=True)),
]


@pytest.mark.parametrize(("fmt", "renderer"), MULTILINE_FORMATS,
                         ids=[f"{f}-{getattr(r, '__name__', 'whatsapp_ios')}"
                              for f, r in MULTILINE_FORMATS])
@SETTINGS
@given(records=conversations())
def test_round_trip(fmt: str, renderer: Callable[..., Path], records: list[ChatRecord]) -> None:
    _check(records, renderer, fmt)


@SETTINGS
@given(records=conversations(multiline=False))
def test_round_trip_plain_text(records: list[ChatRecord]) -> None:
    _check(records, render.render_text, "text", timestamps=False, speakers=False)


@SETTINGS
@given(records=conversations(), dayfirst=st.booleans(), clock24=st.booleans())
def test_round_trip_whatsapp_android(records: list[ChatRecord], dayfirst: bool,
                                     clock24: bool) -> None:
    """Day/month order is inferred when a day over 12 occurs, else given explicitly."""
    decisive = any(datetime.fromisoformat(r.timestamp or "").day > 12 for r in records)
    ctx = ReadContext(dayfirst=None if decisive else dayfirst)
    _check(records, partial(render.render_whatsapp_file, dayfirst=dayfirst, clock24=clock24),
           "whatsapp", ctx=ctx)
