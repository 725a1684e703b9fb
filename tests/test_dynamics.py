"""Conversation dynamics on small hand-made labelled conversations, with exact counts."""

from __future__ import annotations

import tracemalloc
from typing import Any

import pytest

from service.dynamics import (
    GOTTMAN_RATIO,
    DynamicsAccumulator,
    bid_outcome,
    move_of,
    parse_time,
    repair_outcome,
    summarize,
)

C, D, K, R = "closeness_bid", "distance_bid", "criticism", "repair_attempt"


def msg(
    speaker: str | None,
    *labels: str,
    at: str | None = None,
    conversation: str | None = None,
    kind: str = "message",
    id: str | None = None,
) -> dict[str, Any]:
    """A labelled record as `attune label` writes it (the text never matters to dynamics)."""
    return {
        "id": id,
        "conversation": conversation,
        "timestamp": at,
        "speaker": speaker,
        "kind": kind,
        "text": "(not used)",
        "labels": list(labels),
        "primary": labels[0] if labels else "none",
        "scores": None,
    }


def t(hhmm: str, day: int = 1) -> str:
    return f"2024-01-{day:02d}T{hhmm}:00"


# -- the rules, one by one -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ([C], "turned_toward"),
        ([R], "turned_toward"),
        ([], "turned_toward"),
        ([K], "turned_against"),
        ([C, K], "turned_against"),
        ([D], "turned_against"),
        ([D, R], "turned_away"),
        ([D, R, K], "turned_against"),
    ],
)
def test_bid_outcome_rules(labels: list[str], expected: str) -> None:
    assert bid_outcome(labels) == expected


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ([R], "accepted"),
        ([C], "accepted"),
        ([R, K], "rejected"),
        ([D], "rejected"),
        ([D, R], "rejected"),
        ([K], "rejected"),
        ([], "neutral"),
    ],
)
def test_repair_outcome_rules(labels: list[str], expected: str) -> None:
    assert repair_outcome(labels) == expected


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ([C], "positive"),
        ([R], "positive"),
        ([D, R], "positive"),
        ([D], "negative"),
        ([K], "negative"),
        ([C, K], "negative"),
        ([R, K], "negative"),
        ([], "neutral"),
    ],
)
def test_move_rules(labels: list[str], expected: str) -> None:
    assert move_of(labels) == expected


def test_parse_time_reads_iso_and_rejects_the_rest() -> None:
    assert parse_time("2024-01-01T00:00:00") == 1704067200.0
    assert parse_time("2024-01-01T01:00:00+01:00") == 1704067200.0
    assert parse_time("2024-01-01T00:00:00Z") == 1704067200.0
    assert parse_time("yesterday") is None
    assert parse_time(None) is None
    assert parse_time("") is None


# -- bids ----------------------------------------------------------------------------------------


def test_bids_toward_away_against_with_timestamps() -> None:
    records = [
        msg("Sam", C, at=t("10:00")),  # met by a bid: toward
        msg("Alex", C, at=t("10:05")),  # met by a neutral reply: toward (neutral)
        msg("Sam", at=t("10:06")),
        msg("Sam", C, at=t("11:00")),  # Alex answers with criticism: against
        msg("Alex", K, at=t("11:30")),
        msg("Sam", C, at=t("12:00")),  # Alex answers 7 h later: away (no reply in 6 h)
        msg("Alex", at=t("19:00")),
        msg("Sam", C, at=t("20:00")),  # distance softened by a repair: away
        msg("Alex", D, R, at=t("20:10")),
        msg("Sam", C, at=t("21:00")),  # log ends 1 h later: open
        msg("Sam", at=t("22:00")),
    ]
    bids = summarize(records)["overall"]["bids"]
    assert bids["total"] == 6
    assert bids["by_speaker"]["Sam"] == {
        "total": 5,
        "turned_toward": 1,
        "turned_away": 2,
        "turned_against": 1,
        "open_at_end": 1,
        "toward_neutral": 0,
        "toward_rate": 0.25,
    }
    assert bids["by_speaker"]["Alex"]["turned_toward"] == 1
    assert bids["by_speaker"]["Alex"]["toward_neutral"] == 1
    assert (bids["turned_toward"], bids["turned_away"], bids["turned_against"]) == (2, 2, 1)
    assert bids["open_at_end"] == 1
    assert bids["toward_rate"] == 0.4


def test_several_bids_are_all_answered_by_one_reply() -> None:
    records = [msg("Sam", C, at=t("09:00")), msg("Sam", C, at=t("09:01")), msg("Alex", D, at=t("09:02"))]
    bids = summarize(records)["overall"]["bids"]
    assert bids["total"] == 2
    assert bids["turned_against"] == 2


def test_untimed_bids_use_the_message_window() -> None:
    records = [msg("Sam", C)] + [msg("Sam") for _ in range(3)] + [msg("Alex", C)]
    assert summarize(records, window_messages=3)["overall"]["bids"]["turned_away"] == 1
    assert summarize(records, window_messages=4)["overall"]["bids"]["by_speaker"]["Sam"]["turned_toward"] == 1


def test_open_bid_whose_window_has_run_out_is_away() -> None:
    records = [msg("Sam", C, at=t("08:00")), msg("Sam", at=t("15:00"))]
    bids = summarize(records)["overall"]["bids"]
    assert (bids["turned_away"], bids["open_at_end"]) == (1, 0)
    assert bids["toward_rate"] == 0.0


def test_system_and_media_records_are_not_replies() -> None:
    records = [
        msg("Sam", C, at=t("10:00")),
        msg("Alex", kind="media", at=t("10:01")),
        msg(None, kind="system", at=t("10:02")),
        msg("Alex", K, at=t("10:03")),
    ]
    overall = summarize(records)["overall"]
    assert overall["bids"]["turned_against"] == 1
    assert overall["skipped"] == {"media": 1, "system": 1}
    assert overall["records"] == 4
    assert overall["messages"] == 2


def test_unattributed_messages_are_counted_but_take_no_part() -> None:
    records = [msg("Sam", C, at=t("10:00")), msg(None, K, at=t("10:01")), msg("Alex", C, at=t("10:02"))]
    overall = summarize(records)["overall"]
    assert overall["unattributed_messages"] == 1
    assert overall["bids"]["by_speaker"]["Sam"]["turned_toward"] == 1
    assert set(overall["speakers"]) == {"Sam", "Alex"}


# -- repairs -------------------------------------------------------------------------------------


def test_repairs_offered_and_accepted_or_not() -> None:
    records = [
        msg("Sam", R, at=t("10:00")),  # accepted by Alex's own repair
        msg("Alex", R, at=t("10:01")),  # accepted by Sam's bid
        msg("Sam", C, at=t("10:02")),
        msg("Sam", R, at=t("11:00")),  # rejected: distance
        msg("Alex", D, at=t("11:01")),
        msg("Sam", R, at=t("12:00")),  # neutral reply
        msg("Alex", at=t("12:01")),
        msg("Sam", R, at=t("13:00")),  # no reply within 6 h
        msg("Alex", at=t("20:00")),
        msg("Alex", R, at=t("21:00")),  # open at the end
    ]
    repairs = summarize(records)["overall"]["repairs"]
    assert repairs["by_speaker"]["Sam"] == {
        "offered": 4,
        "accepted": 1,
        "rejected": 1,
        "neutral": 1,
        "no_reply": 1,
        "open_at_end": 0,
        "accept_rate": 0.25,
    }
    assert repairs["by_speaker"]["Alex"]["offered"] == 2
    assert repairs["by_speaker"]["Alex"]["accepted"] == 1
    assert repairs["by_speaker"]["Alex"]["open_at_end"] == 1
    assert repairs["by_speaker"]["Alex"]["accept_rate"] == 1.0
    assert (repairs["offered"], repairs["accepted"], repairs["accept_rate"]) == (6, 2, 0.4)


# -- pursue-withdraw -----------------------------------------------------------------------------


def test_pursue_withdraw_run_with_roles_length_and_time() -> None:
    records = [
        msg("Sam", C, at=t("10:00"), id="1"),
        msg("Sam", at=t("10:01"), id="2"),  # same turn as 1
        msg("Alex", D, at=t("10:05"), id="3"),
        msg("Sam", C, K, at=t("10:06"), id="4"),
        msg("Alex", D, at=t("10:07"), id="5"),
        msg("Sam", C, at=t("10:08"), id="6"),
        msg("Alex", D, at=t("10:09"), id="7"),
        msg("Sam", at=t("10:10"), id="8"),  # ends the run
        msg("Alex", C, at=t("11:00"), id="9"),  # a single exchange with roles reversed: no run
        msg("Sam", D, at=t("11:01"), id="10"),
    ]
    pw = summarize(records)["overall"]["pursue_withdraw"]
    assert pw["exchanges"] == 4
    assert pw["runs_total"] == 1
    assert pw["runs"] == [
        {
            "conversation": None,
            "pursuer": "Sam",
            "withdrawer": "Alex",
            "exchanges": 3,
            "start": t("10:00"),
            "end": t("10:09"),
            "first_id": "1",
            "last_id": "7",
        }
    ]
    assert pw["longest_run"] == pw["runs"][0]


def test_a_long_pause_breaks_a_run() -> None:
    records = [
        msg("Sam", C, at=t("10:00")),
        msg("Alex", D, at=t("10:05")),
        msg("Sam", C, at=t("23:00")),  # 13 h later: a new start
        msg("Alex", D, at=t("23:05")),
    ]
    pw = summarize(records)["overall"]["pursue_withdraw"]
    assert (pw["exchanges"], pw["runs_total"]) == (2, 0)
    assert summarize(records, window_hours=24)["overall"]["pursue_withdraw"]["runs_total"] == 1


def test_min_run_exchanges_is_respected() -> None:
    records = [msg("Sam", C), msg("Alex", D)]
    assert summarize(records)["overall"]["pursue_withdraw"]["runs_total"] == 0
    runs = summarize(records, min_run_exchanges=1)["overall"]["pursue_withdraw"]["runs"]
    assert [(r["pursuer"], r["withdrawer"], r["exchanges"]) for r in runs] == [("Sam", "Alex", 1)]


# -- speakers, ratio, weekly, conversations ------------------------------------------------------


def test_speaker_rates_and_ratio() -> None:
    records = [
        msg("Sam", C),
        msg("Sam", C, K),
        msg("Sam", R),
        msg("Sam"),
        msg("Alex", D),
        msg("Alex", C),
    ]
    overall = summarize(records)["overall"]
    sam = overall["speakers"]["Sam"]
    assert sam["messages"] == 4
    assert sam["labels"] == {C: 2, D: 0, K: 1, R: 1, "none": 1}
    assert sam["rates"] == {C: 0.5, D: 0.0, K: 0.25, R: 0.25, "none": 0.25}
    assert sam["moves"] == {"positive": 2, "negative": 1, "neutral": 1}
    assert overall["ratio"] == {
        "positive": 3,
        "negative": 2,
        "neutral": 1,
        "ratio": 1.5,
        "gottman_reference": GOTTMAN_RATIO,
        "at_or_above_reference": False,
    }


def test_ratio_at_five_to_one_and_without_negatives() -> None:
    five = [msg("Sam", C)] * 5 + [msg("Alex", K)]
    assert summarize(five)["overall"]["ratio"]["at_or_above_reference"] is True
    none_negative = summarize([msg("Sam", C)])["overall"]["ratio"]
    assert (none_negative["ratio"], none_negative["at_or_above_reference"]) == (None, None)


def test_weekly_counts_start_on_monday() -> None:
    records = [
        msg("Sam", C, at="2024-01-03T10:00:00"),  # Wednesday
        msg("Sam", at="2024-01-07T23:00:00"),  # Sunday, same week
        msg("Sam", K, at="2024-01-08T09:00:00"),  # Monday, next week
        msg("Alex", D),  # untimed: not on the timeline
    ]
    overall = summarize(records)["overall"]
    assert [(w["week"], w["speaker"], w["messages"]) for w in overall["weekly"]] == [
        ("2024-01-01", "Sam", 2),
        ("2024-01-08", "Sam", 1),
    ]
    assert overall["weekly"][0]["labels"] == {C: 1, D: 0, K: 0, R: 0, "none": 1}
    assert overall["untimed_messages"] == 1
    assert (overall["first_timestamp"], overall["last_timestamp"]) == (
        "2024-01-03T10:00:00",
        "2024-01-08T09:00:00",
    )


def test_conversations_are_kept_apart_and_summed_overall() -> None:
    records = [
        msg("Sam", C, conversation="one"),
        msg("Alex", C, conversation="two"),  # not a reply to Sam: other conversation
        msg("Alex", K, conversation="one"),
        msg("Sam", C, conversation="two"),
    ]
    summary = summarize(records)
    assert [c["conversation"] for c in summary["conversations"]] == ["one", "two"]
    one, two = summary["conversations"]
    assert one["bids"]["turned_against"] == 1
    assert two["bids"]["turned_toward"] == 1
    assert two["bids"]["open_at_end"] == 1
    overall = summary["overall"]
    assert (overall["bids"]["total"], overall["messages"]) == (3, 4)
    assert overall["speakers"]["Sam"]["messages"] == 2


def test_empty_input_gives_zero_counts() -> None:
    overall = summarize([])["overall"]
    assert overall["messages"] == 0
    assert overall["bids"]["total"] == 0
    assert overall["bids"]["toward_rate"] is None
    assert overall["repairs"]["accept_rate"] is None
    assert overall["ratio"]["ratio"] is None


def test_bad_options_are_rejected() -> None:
    with pytest.raises(ValueError, match="window_hours"):
        DynamicsAccumulator(window_hours=0)
    with pytest.raises(ValueError, match="window_messages"):
        DynamicsAccumulator(window_messages=0)


def test_memory_stays_bounded_on_a_long_monologue() -> None:
    """100,000 unanswered untimed bids: open items are dropped as their window runs out."""
    acc = DynamicsAccumulator(window_messages=5)
    record = msg("Sam", C)
    tracemalloc.start()
    for _ in range(20_000):
        acc.add(record)
    _, first_peak = tracemalloc.get_traced_memory()
    for _ in range(80_000):
        acc.add(record)
    _, second_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert second_peak < first_peak * 1.5
    bids = acc.summary()["overall"]["bids"]
    assert bids["total"] == 100_000
    assert bids["turned_away"] + bids["open_at_end"] == 100_000
