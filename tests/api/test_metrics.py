"""Prometheus metrics: the registry's arithmetic, and the real server's counts after requests."""

from __future__ import annotations

import re

from service.api.metrics import LATENCY_BUCKETS, Metrics

from .helpers import classify

SAMPLE = re.compile(r"^(?P<name>[a-z_]+)(?:\{(?P<tags>[^}]*)\})? (?P<value>\S+)$")


def parse(text: str) -> dict[tuple[str, frozenset], float]:
    """Samples by metric name and label set; fails on any line that is not valid exposition."""
    out = {}
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        match = SAMPLE.match(line)
        assert match, f"bad exposition line: {line!r}"
        tags = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match["tags"] or ""))
        out[(match["name"], tags)] = float(match["value"])
    return out


def test_registry_counts_and_cumulative_buckets() -> None:
    metrics = Metrics()
    for seconds in (0.0005, 0.003, 0.003, 0.2, 60.0):
        metrics.observe_request(route="/v1/classify", method="POST", status=200, seconds=seconds)
    metrics.observe_request(route="/v1/classify", method="POST", status=422, seconds=0.001)
    metrics.observe_predictions([{"labels": ["closeness_bid", "criticism"]}, {"labels": []}, {"labels": ["criticism"]}])
    samples = parse(metrics.render())
    tags = {("route", "/v1/classify"), ("method", "POST")}

    def bucket(le: str) -> float:
        return samples[("attune_http_request_duration_seconds_bucket", frozenset({*tags, ("le", le)}))]

    assert samples[("attune_http_requests_total", frozenset({*tags, ("status", "200")}))] == 5
    assert samples[("attune_http_requests_total", frozenset({*tags, ("status", "422")}))] == 1
    assert bucket("0.001") == 2  # 0.0005 and the 0.001 boundary itself (le is inclusive)
    assert bucket("0.005") == 4
    assert bucket("0.25") == 5
    assert bucket("10") == 5
    assert bucket("+Inf") == 6
    assert samples[("attune_http_request_duration_seconds_count", frozenset(tags))] == 6
    total = samples[("attune_http_request_duration_seconds_sum", frozenset(tags))]
    assert abs(total - 60.2075) < 1e-9
    assert samples[("attune_messages_classified_total", frozenset())] == 3
    labels = {t: v for (n, t), v in samples.items() if n == "attune_predictions_total"}
    assert labels[frozenset({("label", "criticism")})] == 2
    assert labels[frozenset({("label", "closeness_bid")})] == 1
    assert labels[frozenset({("label", "none")})] == 1
    assert labels[frozenset({("label", "distance_bid")})] == 0
    assert len(LATENCY_BUCKETS) + 1 == sum(
        1 for (n, _t) in samples if n == "attune_http_request_duration_seconds_bucket"
    )


def test_server_metrics_follow_requests(http) -> None:
    before = parse(http.get("/metrics").text)
    results = classify(http, "I miss you so much", "ok see you at 6", "whatever.").json()["results"]
    assert http.post("/v1/classify", json={"messages": []}).status_code == 422
    response = http.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    after = parse(response.text)

    def delta(name: str, **tags: str) -> float:
        key = (name, frozenset(tags.items()))
        return after.get(key, 0.0) - before.get(key, 0.0)

    route = {"route": "/v1/classify", "method": "POST"}
    assert delta("attune_http_requests_total", **route, status="200") == 1
    assert delta("attune_http_requests_total", **route, status="422") == 1
    assert delta("attune_http_request_duration_seconds_count", **route) == 2
    assert delta("attune_messages_classified_total") == 3
    for label in ("closeness_bid", "distance_bid", "criticism", "repair_attempt"):
        given = sum(label in r["labels"] for r in results)
        assert delta("attune_predictions_total", label=label) == given
    assert delta("attune_predictions_total", label="none") == sum(not r["labels"] for r in results)


def test_unmatched_paths_share_one_series(http) -> None:
    for i in range(3):
        http.get(f"/no/such/path/{i}")
    samples = parse(http.get("/metrics").text)
    routes = {dict(t).get("route") for (n, t) in samples if n == "attune_http_requests_total"}
    assert "unmatched" in routes
    assert not any(r and r.startswith("/no/such") for r in routes)
