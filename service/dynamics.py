"""Conversation dynamics from labelled messages: bids, pursue-withdraw, repairs, the ratio.

Fed one labelled record at a time (`DynamicsAccumulator.add`), it keeps only what the statistics
need (speakers, labels, timestamps, ids; never message text), so memory stays bounded whatever
the length of the chat. `summarize(records)` is the one-call form. The definitions below are the
ones the README states; change them only together.

A message's *reply* is the next message by a different speaker in the same conversation, if it
comes within the window: `window_hours` when both messages carry a timestamp, otherwise within
the next `window_messages` messages.

- Bids: every `closeness_bid` message is a bid. Its reply decides how it was met:
  turned against = reply labelled `criticism`, or `distance_bid` without `repair_attempt`;
  turned away = no reply within the window, or a reply that postpones (`distance_bid` with
  `repair_attempt`); turned toward = any other reply: one labelled `closeness_bid` or
  `repair_attempt`, or a neutral reply (no label; counted separately as `toward_neutral`).
  A bid still waiting when the log ends, with its window not yet run out, is `open_at_end`.
- Repairs: every `repair_attempt` message is a repair offered. Accepted = reply labelled
  `repair_attempt` or `closeness_bid`, without `criticism` or `distance_bid`; rejected = reply
  labelled `criticism` or `distance_bid`; neutral = unlabelled reply; no_reply; open_at_end.
- Pursue-withdraw: consecutive messages of one speaker form a turn. An exchange is a turn of A
  holding a `closeness_bid` followed, within the window, by a turn of B holding a
  `distance_bid`. A run is a stretch of at least `min_run_exchanges` consecutive exchanges with
  the same pursuer A and withdrawer B (A bids, B withdraws, A bids again, ...).
- Moves: each message is one move, decided in this order: `criticism` -> negative;
  `repair_attempt` -> positive; `distance_bid` -> negative; `closeness_bid` -> positive; else
  neutral. The ratio is positive / negative, shown beside Gottman's 5:1.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from service.records import LABELS

GOTTMAN_RATIO = 5.0
DEFAULT_WINDOW_HOURS = 6.0
DEFAULT_WINDOW_MESSAGES = 10
DEFAULT_MIN_RUN_EXCHANGES = 2
MAX_LISTED_RUNS = 200

BID_OUTCOMES = ("turned_toward", "turned_away", "turned_against", "open_at_end")
REPAIR_OUTCOMES = ("accepted", "rejected", "neutral", "no_reply", "open_at_end")


def parse_time(value: Any) -> float | None:
    """Seconds since the epoch for an ISO 8601 string (naive read as UTC), or None if absent/bad."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def move_of(labels: Iterable[str]) -> str:
    """'positive', 'negative' or 'neutral' for one message's labels (see the module docstring)."""
    found = set(labels)
    if "criticism" in found:
        return "negative"
    if "repair_attempt" in found:
        return "positive"
    if "distance_bid" in found:
        return "negative"
    if "closeness_bid" in found:
        return "positive"
    return "neutral"


def bid_outcome(reply_labels: Iterable[str]) -> str:
    """How a reply met a closeness bid: 'turned_toward', 'turned_away' or 'turned_against'."""
    found = set(reply_labels)
    if "criticism" in found:
        return "turned_against"
    if "distance_bid" in found:
        return "turned_away" if "repair_attempt" in found else "turned_against"
    return "turned_toward"


def repair_outcome(reply_labels: Iterable[str]) -> str:
    """How a reply met a repair attempt: 'accepted', 'rejected' or 'neutral'."""
    found = set(reply_labels)
    if "criticism" in found or "distance_bid" in found:
        return "rejected"
    if "repair_attempt" in found or "closeness_bid" in found:
        return "accepted"
    return "neutral"


def _week_start(seconds: float) -> str:
    """The Monday (ISO date) of the week holding `seconds`."""
    day = datetime.fromtimestamp(seconds, tz=UTC).date()
    return (day - timedelta(days=day.weekday())).isoformat()


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(slots=True)
class _Pending:
    """A bid or repair waiting for the other person's reply."""

    speaker: str
    index: int
    seconds: float | None
    is_bid: bool
    is_repair: bool


@dataclass(slots=True)
class _Turn:
    """Consecutive messages by one speaker: the unit of pursue-withdraw."""

    speaker: str
    closeness: bool
    distance: bool
    start: float | None
    end: float | None
    first_id: str | None
    last_id: str | None
    start_ts: str | None
    end_ts: str | None


@dataclass(slots=True)
class _Run:
    """A pursue-withdraw stretch under construction."""

    pursuer: str
    withdrawer: str | None
    exchanges: int
    start_ts: str | None
    end_ts: str | None
    first_id: str | None
    last_id: str | None
    awaiting_withdraw: bool


def _speaker_stats() -> dict[str, Any]:
    return {"messages": 0, "labels": Counter(), "moves": Counter()}


def _bid_counts() -> Counter[str]:
    return Counter({name: 0 for name in (*BID_OUTCOMES, "total", "toward_neutral")})


def _repair_counts() -> Counter[str]:
    return Counter({name: 0 for name in (*REPAIR_OUTCOMES, "offered")})


@dataclass
class _Conversation:
    """All the running state of one conversation (no message text)."""

    key: str | None = None
    records: int = 0
    messages: int = 0
    unattributed: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    untimed: int = 0
    first_ts: str | None = None
    last_ts: str | None = None
    first_s: float | None = None
    last_s: float | None = None
    speakers: dict[str, dict[str, Any]] = field(default_factory=dict)
    weekly: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)
    bids: dict[str, Counter[str]] = field(default_factory=dict)
    repairs: dict[str, Counter[str]] = field(default_factory=dict)
    pending: dict[str, deque[_Pending]] = field(default_factory=dict)
    turn: _Turn | None = None
    run: _Run | None = None
    exchanges: int = 0
    runs: list[dict[str, Any]] = field(default_factory=list)
    runs_total: int = 0
    longest_run: dict[str, Any] | None = None


class DynamicsAccumulator:
    """Streams labelled records in and produces the dynamics summary (see the module docstring)."""

    def __init__(
        self,
        *,
        window_hours: float = DEFAULT_WINDOW_HOURS,
        window_messages: int = DEFAULT_WINDOW_MESSAGES,
        min_run_exchanges: int = DEFAULT_MIN_RUN_EXCHANGES,
    ) -> None:
        if not window_hours > 0:
            raise ValueError("window_hours must be > 0")
        if window_messages < 1:
            raise ValueError("window_messages must be >= 1")
        if min_run_exchanges < 1:
            raise ValueError("min_run_exchanges must be >= 1")
        self.window_hours = window_hours
        self.window_messages = window_messages
        self.min_run_exchanges = min_run_exchanges
        self._window_s = window_hours * 3600.0
        self._conversations: dict[str | None, _Conversation] = {}

    # -- feeding -----------------------------------------------------------------------------

    def add(self, record: Mapping[str, Any]) -> None:
        """Account for one labelled record (the contract's output shape; text is ignored)."""
        key = record.get("conversation")
        conv = self._conversations.get(key)
        if conv is None:
            conv = self._conversations[key] = _Conversation(key=key)
        conv.records += 1
        kind = record.get("kind") or "message"
        if kind != "message":
            conv.skipped[str(kind)] += 1
            return
        labels = [label for label in record.get("labels") or () if label in LABELS]
        timestamp = record.get("timestamp")
        seconds = parse_time(timestamp)
        index = conv.messages
        conv.messages += 1
        if seconds is None:
            conv.untimed += 1
        else:
            if conv.first_s is None or seconds < conv.first_s:
                conv.first_s, conv.first_ts = seconds, timestamp
            if conv.last_s is None or seconds >= conv.last_s:
                conv.last_s, conv.last_ts = seconds, timestamp
        speaker = record.get("speaker")
        if speaker is None or speaker == "":
            conv.unattributed += 1
            return
        speaker = str(speaker)
        stats = conv.speakers.get(speaker)
        if stats is None:
            stats = conv.speakers[speaker] = _speaker_stats()
        stats["messages"] += 1
        stats["labels"].update(labels)
        if not labels:
            stats["labels"]["none"] += 1
        stats["moves"][move_of(labels)] += 1
        if seconds is not None:
            week = conv.weekly.setdefault((_week_start(seconds), speaker), Counter())
            week["messages"] += 1
            week.update(labels or ["none"])

        self._resolve_pending(conv, speaker, labels, index, seconds)
        self._open_pending(conv, speaker, labels, index, seconds)
        self._extend_turn(conv, speaker, labels, seconds, timestamp, record.get("id"))

    def _within(self, start_s: float | None, start_i: int, now_s: float | None, now_i: int) -> bool:
        """Whether a message at (now_s, now_i) still falls in the reply window of an earlier one."""
        if start_s is not None and now_s is not None:
            return now_s - start_s <= self._window_s
        return now_i - start_i <= self.window_messages

    def _resolve_pending(
        self,
        conv: _Conversation,
        speaker: str,
        labels: list[str],
        index: int,
        seconds: float | None,
    ) -> None:
        """This message is the reply to every bid and repair other speakers still have open."""
        for other, queue in conv.pending.items():
            if other == speaker:
                # Own open items cannot be answered by oneself: drop only those whose window has
                # run out, oldest first, so memory stays bounded during a monologue.
                while queue and not self._within(queue[0].seconds, queue[0].index, seconds, index):
                    self._expire(conv, queue.popleft())
                continue
            while queue:
                item = queue.popleft()
                if not self._within(item.seconds, item.index, seconds, index):
                    self._expire(conv, item)
                    continue
                if item.is_bid:
                    outcome = bid_outcome(labels)
                    counts = conv.bids[item.speaker]
                    counts[outcome] += 1
                    if outcome == "turned_toward" and not labels:
                        counts["toward_neutral"] += 1
                if item.is_repair:
                    conv.repairs[item.speaker][repair_outcome(labels)] += 1

    def _expire(self, conv: _Conversation, item: _Pending) -> None:
        """No reply came within the window."""
        if item.is_bid:
            conv.bids[item.speaker]["turned_away"] += 1
        if item.is_repair:
            conv.repairs[item.speaker]["no_reply"] += 1

    def _open_pending(
        self,
        conv: _Conversation,
        speaker: str,
        labels: list[str],
        index: int,
        seconds: float | None,
    ) -> None:
        is_bid = "closeness_bid" in labels
        is_repair = "repair_attempt" in labels
        if not (is_bid or is_repair):
            return
        conv.bids.setdefault(speaker, _bid_counts())["total"] += int(is_bid)
        conv.repairs.setdefault(speaker, _repair_counts())["offered"] += int(is_repair)
        conv.pending.setdefault(speaker, deque()).append(_Pending(speaker, index, seconds, is_bid, is_repair))

    # -- pursue-withdraw -----------------------------------------------------------------------

    def _extend_turn(
        self,
        conv: _Conversation,
        speaker: str,
        labels: list[str],
        seconds: float | None,
        timestamp: str | None,
        message_id: Any,
    ) -> None:
        mid = None if message_id is None else str(message_id)
        turn = conv.turn
        if turn is not None and turn.speaker == speaker:
            turn.closeness |= "closeness_bid" in labels
            turn.distance |= "distance_bid" in labels
            if seconds is not None:
                turn.end, turn.end_ts = seconds, timestamp
            turn.last_id = mid
            return
        if turn is not None:
            self._close_turn(conv, turn, next_start=seconds)
        conv.turn = _Turn(
            speaker=speaker,
            closeness="closeness_bid" in labels,
            distance="distance_bid" in labels,
            start=seconds,
            end=seconds,
            first_id=mid,
            last_id=mid,
            start_ts=timestamp,
            end_ts=timestamp,
        )

    def _close_turn(self, conv: _Conversation, turn: _Turn, *, next_start: float | None) -> None:
        """Feed a finished turn to the run tracker; `next_start` is when the next turn began."""
        run = conv.run
        if run is not None:
            if run.awaiting_withdraw:
                fits = turn.distance and (run.withdrawer in (None, turn.speaker))
                fits = fits and turn.speaker != run.pursuer
            else:
                fits = turn.speaker == run.pursuer and turn.closeness
            if fits:
                if run.awaiting_withdraw:
                    run.withdrawer = turn.speaker
                    run.exchanges += 1
                    conv.exchanges += 1
                    run.end_ts = turn.end_ts
                    run.last_id = turn.last_id
                run.awaiting_withdraw = not run.awaiting_withdraw
                if not self._gap_ok(turn.end, next_start):
                    self._finish_run(conv)
                return
            self._finish_run(conv)
        if turn.closeness and self._gap_ok(turn.end, next_start):
            conv.run = _Run(
                pursuer=turn.speaker,
                withdrawer=None,
                exchanges=0,
                start_ts=turn.start_ts,
                end_ts=turn.end_ts,
                first_id=turn.first_id,
                last_id=turn.last_id,
                awaiting_withdraw=True,
            )

    def _gap_ok(self, end: float | None, next_start: float | None) -> bool:
        """Adjacent turns link when the next starts within the time window (always, untimed)."""
        if end is None or next_start is None:
            return True
        return next_start - end <= self._window_s

    def _finish_run(self, conv: _Conversation) -> None:
        run, conv.run = conv.run, None
        if run is None or run.exchanges < self.min_run_exchanges:
            return
        item = {
            "conversation": conv.key,
            "pursuer": run.pursuer,
            "withdrawer": run.withdrawer,
            "exchanges": run.exchanges,
            "start": run.start_ts,
            "end": run.end_ts,
            "first_id": run.first_id,
            "last_id": run.last_id,
        }
        conv.runs_total += 1
        if len(conv.runs) < MAX_LISTED_RUNS:
            conv.runs.append(item)
        if conv.longest_run is None or item["exchanges"] > conv.longest_run["exchanges"]:
            conv.longest_run = item

    # -- results -----------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """The summary: settings, `overall`, and one entry per conversation in first-seen order.

        Calling it settles what is still open at the end of the log; add no records after it.
        """
        conversations = []
        for key, conv in self._conversations.items():
            self._finish(conv)
            conversations.append({"conversation": key, **self._stats([conv])})
        overall = self._stats(list(self._conversations.values()))
        return {
            "settings": {
                "window_hours": self.window_hours,
                "window_messages": self.window_messages,
                "min_run_exchanges": self.min_run_exchanges,
                "gottman_ratio": GOTTMAN_RATIO,
            },
            "overall": overall,
            "conversations": conversations,
        }

    def _finish(self, conv: _Conversation) -> None:
        """Close the last turn and settle every still-open bid and repair."""
        if conv.turn is not None:
            self._close_turn(conv, conv.turn, next_start=None)
            conv.turn = None
        self._finish_run(conv)
        last_index = conv.messages - 1
        for queue in conv.pending.values():
            while queue:
                item = queue.popleft()
                if self._within(item.seconds, item.index, conv.last_s, last_index):
                    if item.is_bid:
                        conv.bids[item.speaker]["open_at_end"] += 1
                    if item.is_repair:
                        conv.repairs[item.speaker]["open_at_end"] += 1
                else:
                    self._expire(conv, item)

    def _stats(self, convs: list[_Conversation]) -> dict[str, Any]:
        """Statistics over one or several conversations (summed)."""
        speakers: dict[str, dict[str, Any]] = {}
        bids: dict[str, Counter[str]] = {}
        repairs: dict[str, Counter[str]] = {}
        weekly: dict[tuple[str, str], Counter[str]] = {}
        skipped: Counter[str] = Counter()
        runs: list[dict[str, Any]] = []
        longest: dict[str, Any] | None = None
        totals = Counter()
        first: tuple[float, str] | None = None
        last: tuple[float, str] | None = None
        for conv in convs:
            totals.update(
                records=conv.records,
                messages=conv.messages,
                unattributed=conv.unattributed,
                untimed=conv.untimed,
                exchanges=conv.exchanges,
                runs=conv.runs_total,
            )
            skipped.update(conv.skipped)
            for name, stats in conv.speakers.items():
                into = speakers.setdefault(name, _speaker_stats())
                into["messages"] += stats["messages"]
                into["labels"].update(stats["labels"])
                into["moves"].update(stats["moves"])
            for name, counts in conv.bids.items():
                bids.setdefault(name, _bid_counts()).update(counts)
            for name, counts in conv.repairs.items():
                repairs.setdefault(name, _repair_counts()).update(counts)
            for week_key, counts in conv.weekly.items():
                weekly.setdefault(week_key, Counter()).update(counts)
            runs.extend(dict(run) for run in conv.runs)
            if conv.longest_run is not None and (
                longest is None or conv.longest_run["exchanges"] > longest["exchanges"]
            ):
                longest = dict(conv.longest_run)
            if conv.first_s is not None and (first is None or conv.first_s < first[0]):
                first = (conv.first_s, conv.first_ts or "")
            if conv.last_s is not None and (last is None or conv.last_s >= last[0]):
                last = (conv.last_s, conv.last_ts or "")

        moves = Counter()
        for stats in speakers.values():
            moves.update(stats["moves"])
        return {
            "records": totals["records"],
            "messages": totals["messages"],
            "skipped": dict(sorted(skipped.items())),
            "unattributed_messages": totals["unattributed"],
            "untimed_messages": totals["untimed"],
            "first_timestamp": first[1] if first else None,
            "last_timestamp": last[1] if last else None,
            "speakers": {name: _speaker_view(stats) for name, stats in speakers.items()},
            "bids": _outcome_view(bids, "total", BID_OUTCOMES, "turned_toward", "toward_rate"),
            "repairs": _outcome_view(repairs, "offered", REPAIR_OUTCOMES, "accepted", "accept_rate"),
            "pursue_withdraw": {
                "exchanges": totals["exchanges"],
                "runs_total": totals["runs"],
                "runs": runs,
                "longest_run": longest,
            },
            "ratio": _ratio_view(moves),
            "weekly": [
                {
                    "week": week,
                    "speaker": speaker,
                    "messages": counts["messages"],
                    "labels": {label: counts[label] for label in (*LABELS, "none")},
                }
                for (week, speaker), counts in sorted(weekly.items())
            ],
        }


def _speaker_view(stats: dict[str, Any]) -> dict[str, Any]:
    total = stats["messages"]
    counts = {label: stats["labels"][label] for label in (*LABELS, "none")}
    return {
        "messages": total,
        "labels": counts,
        "rates": {label: _rate(count, total) for label, count in counts.items()},
        "moves": {name: stats["moves"][name] for name in ("positive", "negative", "neutral")},
    }


def _outcome_view(
    by_speaker: dict[str, Counter[str]],
    total_key: str,
    outcomes: tuple[str, ...],
    good_key: str,
    rate_key: str,
) -> dict[str, Any]:
    """Totals plus a per-speaker breakdown; the rate is over the items whose outcome is known."""

    def view(counts: Counter[str]) -> dict[str, Any]:
        out: dict[str, Any] = {total_key: counts[total_key]}
        out.update({name: counts[name] for name in outcomes})
        if "toward_neutral" in counts:
            out["toward_neutral"] = counts["toward_neutral"]
        settled = counts[total_key] - counts["open_at_end"]
        out[rate_key] = _rate(counts[good_key], settled)
        return out

    total: Counter[str] = Counter({total_key: 0, **{name: 0 for name in outcomes}})
    if total_key == "total":
        total["toward_neutral"] = 0
    for counts in by_speaker.values():
        total.update(counts)
    result = view(total)
    result["by_speaker"] = {name: view(counts) for name, counts in by_speaker.items() if counts[total_key]}
    return result


def _ratio_view(moves: Counter[str]) -> dict[str, Any]:
    positive, negative = moves["positive"], moves["negative"]
    ratio = round(positive / negative, 2) if negative else None
    return {
        "positive": positive,
        "negative": negative,
        "neutral": moves["neutral"],
        "ratio": ratio,
        "gottman_reference": GOTTMAN_RATIO,
        "at_or_above_reference": None if ratio is None else ratio >= GOTTMAN_RATIO,
    }


def summarize(records: Iterable[Mapping[str, Any]], **options: Any) -> dict[str, Any]:
    """The dynamics summary of labelled records (options as for `DynamicsAccumulator`)."""
    acc = DynamicsAccumulator(**options)
    for record in records:
        acc.add(record)
    return acc.summary()


__all__ = [
    "GOTTMAN_RATIO",
    "DynamicsAccumulator",
    "bid_outcome",
    "move_of",
    "parse_time",
    "repair_outcome",
    "summarize",
]
