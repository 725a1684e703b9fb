"""The HTML report: self-contained, escaped, no message text, and showing the summary's numbers."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from service.dynamics import summarize
from service.report import render_report

C, D, K, R = "closeness_bid", "distance_bid", "criticism", "repair_attempt"
SECRET = "my secret message text 12345"
EVIL = "<script>alert('x')</script>&"
VOID = {"meta", "br", "img", "hr", "input", "link"}
SVG_LEAVES = {"rect", "line"}


def rec(speaker: str, *labels: str, at: str | None = None, conversation: str | None = None) -> dict[str, Any]:
    return {
        "id": None,
        "conversation": conversation,
        "timestamp": at,
        "speaker": speaker,
        "kind": "message",
        "text": SECRET,
        "labels": list(labels),
        "primary": "none",
        "scores": None,
    }


def conversation(conv: str | None = None) -> list[dict[str, Any]]:
    return [
        rec("Sam", C, at="2024-01-01T10:00:00", conversation=conv),
        rec(EVIL, D, at="2024-01-01T10:05:00", conversation=conv),
        rec("Sam", C, K, at="2024-01-01T10:06:00", conversation=conv),
        rec(EVIL, D, at="2024-01-01T10:07:00", conversation=conv),
        rec("Sam", R, at="2024-01-09T10:00:00", conversation=conv),
        rec(EVIL, R, at="2024-01-09T10:01:00", conversation=conv),
    ]


class TagChecker(HTMLParser):
    """Collects tags and checks that every opened element is closed in order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"unexpected </{tag}> with open {self.stack[-3:]}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> TagChecker:
    checker = TagChecker()
    checker.feed(page)
    checker.close()
    return checker


def test_page_is_well_formed_and_self_contained() -> None:
    summary = summarize(conversation())
    summary["model"] = {"name": "attune-linear", "version": "1.0.0"}
    page = render_report(summary)
    checker = parse(page)
    assert checker.problems == []
    assert checker.stack == []
    names = {tag for tag, _ in checker.tags}
    assert "script" not in names
    assert {"style", "svg", "table"} <= names
    for _, attrs in checker.tags:
        for key, value in attrs.items():
            assert not key.startswith("on")
            assert key not in {"src", "href"}, (key, value)
    assert "http://" not in page.replace("http://www.w3.org", "")
    assert "https://" not in page
    assert "attune-linear" in page


def test_no_message_text_and_every_name_is_escaped() -> None:
    page = render_report(summarize(conversation(conv=EVIL)))
    assert SECRET not in page
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;" in page
    assert EVIL in "".join(parse(page).text)


def test_tables_and_timeline_show_the_summary() -> None:
    page = render_report(summarize(conversation()))
    text = re.sub(r"\s+", " ", "".join(parse(page).text))
    assert "6 messages by 2 people, from 2024-01-01 to 2024-01-09" in text
    assert "2 times a bid was met by a request for distance; 1 stretch where" in text
    assert "3 positive, 3 negative, 0 neutral messages: 1 : 1, below the 5 : 1" in text
    # Bids by Sam: 2 bids, both turned against.
    rows = re.findall(r"<tr>(.*?)</tr>", page)
    sam_bids = next(r for r in rows if r.startswith("<td>Sam</td><td>2</td>"))
    assert re.findall(r"<td>(.*?)</td>", sam_bids) == ["Sam", "2", "0", "0", "0", "2", "0", "0%"]
    # Timeline: two weeks, one chart per person, a bar segment per label present.
    assert page.count("<svg") == 3  # two timelines and the ratio bar
    assert "week of 2024-01-08" in page
    assert page.count("<rect") == 3 + 2 + 2  # Sam: C, K | R; the other: D | R; ratio bar: 2


def test_several_conversations_get_a_section_each() -> None:
    page = render_report(summarize(conversation("first") + conversation("second")))
    assert "All conversations together" in page
    assert "Conversation: first" in page
    assert "Conversation: second" in page
    assert parse(page).problems == []


def test_untimed_and_empty_inputs_render() -> None:
    untimed = render_report(summarize([rec("Sam", C), rec("Alex")]))
    assert "no dates" in untimed
    assert "<svg" not in untimed.split("Positive and negative")[0]
    empty = render_report(summarize([]))
    assert "0 messages by 0 people" in empty
    assert "No bids for closeness were found" in empty
    assert parse(empty).problems == []
