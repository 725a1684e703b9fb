"""Prometheus metrics written by hand: request counts and latency per route, predictions per label.

The registry is per process (each `--workers` process keeps its own, as Prometheus expects of
separate targets). Updates take a lock, so threadpool workers may record too.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import Counter

from service.records import LABELS

LATENCY_BUCKETS: tuple[float, ...] = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape(value: str) -> str:
    """A label value in the exposition format: backslash, quote and newline escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _fmt(value: float) -> str:
    return repr(float(value)) if value != int(value) else f"{int(value)}"


class Metrics:
    """Counters and histograms for one process, rendered in the Prometheus text format."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[tuple[str, str, str]] = Counter()
        self._latency_counts: dict[tuple[str, str], list[int]] = {}
        self._latency_sum: Counter[tuple[str, str]] = Counter()
        self._labels: Counter[str] = Counter({label: 0 for label in (*LABELS, "none")})
        self._messages = 0

    def observe_request(self, *, route: str, method: str, status: int, seconds: float) -> None:
        """Count one finished request and put its latency in the route's histogram."""
        key = (route, method)
        with self._lock:
            self._requests[(route, method, str(status))] += 1
            buckets = self._latency_counts.setdefault(key, [0] * (len(LATENCY_BUCKETS) + 1))
            buckets[bisect_left(LATENCY_BUCKETS, seconds)] += 1
            self._latency_sum[key] += seconds

    def observe_predictions(self, predictions: list[dict[str, object]]) -> None:
        """Count classified messages and each label given (`none` for messages with no label)."""
        with self._lock:
            self._messages += len(predictions)
            for prediction in predictions:
                labels = prediction.get("labels") or []
                if not labels:
                    self._labels["none"] += 1
                for label in labels:  # type: ignore[union-attr]
                    self._labels[str(label)] += 1

    def render(self) -> str:
        """The exposition text for every metric."""
        lines: list[str] = []
        with self._lock:
            lines += [
                "# HELP attune_http_requests_total HTTP requests by route, method and status.",
                "# TYPE attune_http_requests_total counter",
            ]
            for (route, method, status), n in sorted(self._requests.items()):
                lines.append(
                    f'attune_http_requests_total{{route="{_escape(route)}",method="{method}",status="{status}"}} {n}'
                )
            lines += [
                "# HELP attune_http_request_duration_seconds Request latency by route.",
                "# TYPE attune_http_request_duration_seconds histogram",
            ]
            for (route, method), counts in sorted(self._latency_counts.items()):
                tags = f'route="{_escape(route)}",method="{method}"'
                cumulative = 0
                for bound, n in zip((*LATENCY_BUCKETS, float("inf")), counts, strict=True):
                    cumulative += n
                    le = "+Inf" if bound == float("inf") else _fmt(bound)
                    lines.append(f'attune_http_request_duration_seconds_bucket{{{tags},le="{le}"}} {cumulative}')
                total = self._latency_sum[(route, method)]
                lines.append(f"attune_http_request_duration_seconds_sum{{{tags}}} {total!r}")
                lines.append(f"attune_http_request_duration_seconds_count{{{tags}}} {cumulative}")
            lines += [
                "# HELP attune_messages_classified_total Messages the model classified.",
                "# TYPE attune_messages_classified_total counter",
                f"attune_messages_classified_total {self._messages}",
                "# HELP attune_predictions_total Labels predicted (none: a message with no label).",
                "# TYPE attune_predictions_total counter",
            ]
            for label, n in sorted(self._labels.items()):
                lines.append(f'attune_predictions_total{{label="{_escape(label)}"}} {n}')
        return "\n".join(lines) + "\n"
