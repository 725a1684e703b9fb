"""The dynamics summary as one self-contained HTML page: inline CSS and SVG, no scripts, no text.

The page is built only from the summary (`service.dynamics`), which holds counts, speakers,
timestamps and ids, never message text; so the report cannot leak a message. Every value that
comes from the input (speaker and conversation names, ids, timestamps) is HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from service.records import LABELS

COLOURS = {
    "closeness_bid": "#2a9d8f",
    "distance_bid": "#e9a23b",
    "criticism": "#d1495b",
    "repair_attempt": "#3d5a98",
    "none": "#c8c8c8",
}
NAMES = {
    "closeness_bid": "Closeness bids",
    "distance_bid": "Distance bids",
    "criticism": "Criticism",
    "repair_attempt": "Repair attempts",
    "none": "No label",
}
CSS = """
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#222;
max-width:1000px;margin:2em auto;padding:0 1em;background:#fff}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:2px solid #eee}
h3{margin-top:1.5em}.muted{color:#666}.note{background:#f6f6f2;padding:.6em 1em;
border-left:4px solid #ccc;margin:1em 0}table{border-collapse:collapse;margin:.6em 0 1.2em}
th,td{padding:.3em .7em;border-bottom:1px solid #e4e4e4;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#fafafa}
.legend span{display:inline-block;margin-right:1.2em}.sw{display:inline-block;width:.9em;
height:.9em;margin-right:.3em;vertical-align:-1px;border-radius:2px}
svg{display:block;margin:.4em 0 1em;max-width:100%;height:auto}
.good{color:#1b7a4a;font-weight:600}.bad{color:#b3261e;font-weight:600}
dl dt{font-weight:600;margin-top:.5em}dl dd{margin-left:1.2em}
"""


def render_report(summary: dict[str, Any], *, title: str = "Attune: conversation dynamics") -> str:
    """The whole HTML page for a summary as produced by `DynamicsAccumulator.summary()`."""
    overall = summary["overall"]
    settings = summary.get("settings", {})
    model = summary.get("model") or {}
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        _intro(overall, model),
        _how_to_read(settings),
    ]
    conversations = summary.get("conversations", [])
    if len(conversations) > 1:
        parts.append("<h2>All conversations together</h2>")
        parts.append(_section(overall, settings, show_conversation=True))
        for conv in conversations:
            parts.append(f"<h2>Conversation: {escape(_name(conv.get('conversation')))}</h2>")
            parts.append(_section(conv, settings, show_conversation=False))
    else:
        parts.append(_section(overall, settings, show_conversation=False))
    parts.append(
        '<p class="muted">Made by Attune on this computer. The page holds counts, names and '
        "dates only, never the text of a message. Labels come from a model and can be wrong: "
        "read them as a pattern, not a verdict.</p></body></html>"
    )
    return "\n".join(parts) + "\n"


def _name(value: Any) -> str:
    return "(unnamed)" if value is None else str(value)


def _plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _intro(overall: dict[str, Any], model: dict[str, Any]) -> str:
    period = "no dates in the input"
    if overall.get("first_timestamp") and overall.get("last_timestamp"):
        period = f"from {escape(str(overall['first_timestamp'])[:10])} to {escape(str(overall['last_timestamp'])[:10])}"
    skipped = overall.get("skipped") or {}
    skipped_text = ", ".join(f"{n} {escape(str(kind))}" for kind, n in skipped.items()) or "none"
    model_text = ""
    if model:
        model_text = f" Labelled by model {escape(str(model.get('name', '')))} {escape(str(model.get('version', '')))}."
    return (
        f"<p>{_plural(overall['messages'], 'message')} by {_plural(len(overall['speakers']), 'person', 'people')}, "
        f"{period}. "
        f"Not labelled (system lines and media): {skipped_text}.{model_text}</p>"
    )


def _how_to_read(settings: dict[str, Any]) -> str:
    hours = f"{float(settings.get('window_hours', 6)):g}"
    turns = settings.get("window_messages", 10)
    return f"""<div class="note"><strong>How to read this page.</strong>
<dl>
<dt>Bid (for closeness)</dt><dd>A message reaching out for attention, affection or
reassurance. The reply to it is the other person's next message, if it comes within
{escape(str(hours))} hours (or, without dates, within the next {escape(str(turns))} messages).</dd>
<dt>Turned toward</dt><dd>The reply reaches back (a bid or a repair of its own) or simply
answers without turning away or attacking ("neutral" replies are counted here and shown
separately).</dd>
<dt>Turned away</dt><dd>No reply within that time, or a reply that puts it off
(a request for space softened with a repair, such as "can we talk tomorrow? love you").</dd>
<dt>Turned against</dt><dd>The reply is criticism, or a request for distance with no repair.</dd>
<dt>Pursue–withdraw</dt><dd>One person reaches out, the other asks for distance, and it happens
again, back and forth, at least {escape(str(settings.get("min_run_exchanges", 2)))} times in a
row.</dd>
<dt>Repair accepted</dt><dd>After an apology, a concession or a softening, the other person's
reply is itself a repair or a bid, with no criticism or distance in it.</dd>
<dt>Positive : negative</dt><dd>Bids and repairs are positive moves; criticism and requests for
distance are negative. Gottman's research found that stable couples show about 5 positive moves
for every negative one during conflict.</dd>
</dl></div>"""


def _section(stats: dict[str, Any], settings: dict[str, Any], *, show_conversation: bool) -> str:
    return "\n".join(
        [
            "<h3>Who says what</h3>",
            _speakers_table(stats["speakers"]),
            "<h3>Timeline: labels per week</h3>",
            _timeline(stats.get("weekly", []), list(stats["speakers"])),
            "<h3>Bids and how they were met</h3>",
            _bids_table(stats["bids"]),
            "<h3>Pursue–withdraw</h3>",
            _pursue_withdraw(stats["pursue_withdraw"], show_conversation=show_conversation),
            "<h3>Repairs</h3>",
            _repairs_table(stats["repairs"]),
            "<h3>Positive and negative moves</h3>",
            _ratio(stats["ratio"]),
        ]
    )


def _table(head: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """An HTML table; every cell is escaped."""
    out = ["<table><thead><tr>"]
    out += [f"<th>{escape(str(h))}</th>" for h in head]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _speakers_table(speakers: dict[str, Any]) -> str:
    if not speakers:
        return '<p class="muted">No messages with a known sender.</p>'
    head = ["Person", "Messages", *(NAMES[label] for label in (*LABELS, "none"))]
    rows = [
        [name, s["messages"], *(_pct(s["rates"][label]) for label in (*LABELS, "none"))] for name, s in speakers.items()
    ]
    note = '<p class="muted">Shares of each person\'s messages; one message can carry more than one label.</p>'
    return _table(head, rows) + note


def _legend() -> str:
    items = "".join(
        f'<span><i class="sw" style="background:{COLOURS[label]}"></i>{escape(NAMES[label])}</span>'
        for label in (*LABELS, "none")
    )
    return f'<p class="legend">{items}</p>'


def _timeline(weekly: list[dict[str, Any]], speakers: list[str]) -> str:
    """One stacked bar chart per person: a bar per week, split by label (SVG, no script)."""
    if not weekly:
        return '<p class="muted">The input has no dates, so there is no timeline.</p>'
    weeks = sorted({item["week"] for item in weekly})
    index = {week: i for i, week in enumerate(weeks)}
    by_speaker: dict[str, dict[str, dict[str, int]]] = {}
    for item in weekly:
        by_speaker.setdefault(item["speaker"], {})[item["week"]] = item["labels"]
    peak = max(sum(labels.values()) for rows in by_speaker.values() for labels in rows.values())
    peak = max(peak, 1)
    width, height, left, bottom = 900, 140, 44, 22
    bar = max(1.0, min(24.0, (width - left - 10) / len(weeks)))
    charts = [_legend()]
    for speaker in [s for s in speakers if s in by_speaker]:
        shapes: list[str] = []
        for week, labels in by_speaker[speaker].items():
            x = left + index[week] * bar
            y = height - bottom
            for label in (*LABELS, "none"):
                count = labels.get(label, 0)
                if not count:
                    continue
                h = (height - bottom - 10) * count / peak
                y -= h
                shapes.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar - 1, 0.6):.1f}" '
                    f'height="{h:.1f}" fill="{COLOURS[label]}"><title>'
                    f"{escape(speaker)}, week of {escape(week)}: {count} "
                    f"{escape(NAMES[label].lower())}</title></rect>"
                )
        axis = (
            f'<line x1="{left}" y1="{height - bottom}" x2="{width - 5}" y2="{height - bottom}" '
            'stroke="#999"/>'
            f'<text x="{left - 6}" y="16" text-anchor="end" font-size="11">{peak}</text>'
            f'<text x="{left - 6}" y="{height - bottom}" text-anchor="end" font-size="11">0</text>'
            f'<text x="{left}" y="{height - 5}" font-size="11">{escape(weeks[0])}</text>'
            f'<text x="{width - 5}" y="{height - 5}" text-anchor="end" font-size="11">'
            f"{escape(weeks[-1])}</text>"
        )
        charts.append(
            f"<p><strong>{escape(speaker)}</strong></p>"
            f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-label="messages per week by {escape(speaker)}">'
            f"{axis}{''.join(shapes)}</svg>"
        )
    charts.append(
        f'<p class="muted">Each bar is one week ({_plural(len(weeks), "week")} in all); its height is the number '
        "of labels that week. Hover a bar to see the count.</p>"
    )
    return "\n".join(charts)


def _bids_table(bids: dict[str, Any]) -> str:
    if not bids["total"]:
        return '<p class="muted">No bids for closeness were found.</p>'
    head = [
        "Bids made by",
        "Bids",
        "Turned toward",
        "of which neutral",
        "Turned away",
        "Turned against",
        "Still open at the end",
        "Turned toward (share)",
    ]
    rows = [
        [
            name,
            b["total"],
            b["turned_toward"],
            b["toward_neutral"],
            b["turned_away"],
            b["turned_against"],
            b["open_at_end"],
            _pct(b["toward_rate"]),
        ]
        for name, b in bids["by_speaker"].items()
    ]
    rows.append(
        [
            "Everyone",
            bids["total"],
            bids["turned_toward"],
            bids["toward_neutral"],
            bids["turned_away"],
            bids["turned_against"],
            bids["open_at_end"],
            _pct(bids["toward_rate"]),
        ]
    )
    return _table(head, rows)


def _pursue_withdraw(pw: dict[str, Any], *, show_conversation: bool) -> str:
    text = (
        f"<p>{_plural(pw['exchanges'], 'time')} a bid was met by a request for distance; "
        f"{_plural(pw['runs_total'], 'stretch', 'stretches')} where it happened again and again.</p>"
    )
    if not pw["runs"]:
        return text
    head = ["Reaching out (pursues)", "Pulling back (withdraws)", "Back-and-forths", "From", "To"]
    if show_conversation:
        head.append("Conversation")
    rows = []
    for run in pw["runs"]:
        row = [run["pursuer"], run["withdrawer"], run["exchanges"], run["start"] or "–", run["end"] or "–"]
        if show_conversation:
            row.append(_name(run.get("conversation")))
        rows.append(row)
    more = ""
    if pw["runs_total"] > len(pw["runs"]):
        more = f'<p class="muted">The first {len(pw["runs"])} of {pw["runs_total"]} are shown.</p>'
    return text + _table(head, rows) + more


def _repairs_table(repairs: dict[str, Any]) -> str:
    if not repairs["offered"]:
        return '<p class="muted">No repair attempts were found.</p>'
    head = [
        "Offered by",
        "Offered",
        "Accepted",
        "Rejected",
        "Neutral reply",
        "No reply",
        "Still open at the end",
        "Accepted (share)",
    ]
    keys = ("offered", "accepted", "rejected", "neutral", "no_reply", "open_at_end")
    rows = [[name, *(r[k] for k in keys), _pct(r["accept_rate"])] for name, r in repairs["by_speaker"].items()]
    rows.append(["Everyone", *(repairs[k] for k in keys), _pct(repairs["accept_rate"])])
    return _table(head, rows)


def _ratio(ratio: dict[str, Any]) -> str:
    positive, negative = ratio["positive"], ratio["negative"]
    reference = ratio.get("gottman_reference", 5.0)
    if ratio["ratio"] is None:
        verdict = (
            "There were no negative moves, so there is no ratio to compare."
            if positive
            else "There were no positive or negative moves."
        )
    else:
        cls = "good" if ratio["at_or_above_reference"] else "bad"
        side = "at or above" if ratio["at_or_above_reference"] else "below"
        verdict = (
            f'<span class="{cls}">{ratio["ratio"]:g} : 1</span>, {side} the {reference:g} : 1 '
            "that Gottman's research links with stable couples."
        )
    if not positive + negative:
        return f"<p>{verdict}</p>"
    total = positive + negative
    width = 600
    pos_w = width * positive / total
    bar = (
        f'<svg viewBox="0 0 {width} 26" width="{width}" height="26" role="img" '
        f'aria-label="{positive} positive and {negative} negative moves">'
        f'<rect x="0" y="0" width="{pos_w:.1f}" height="26" fill="{COLOURS["closeness_bid"]}">'
        f"<title>{positive} positive</title></rect>"
        f'<rect x="{pos_w:.1f}" y="0" width="{width - pos_w:.1f}" height="26" '
        f'fill="{COLOURS["criticism"]}"><title>{negative} negative</title></rect>'
        f'<line x1="{width * reference / (reference + 1):.1f}" y1="0" '
        f'x2="{width * reference / (reference + 1):.1f}" y2="26" stroke="#000" '
        f'stroke-dasharray="3,2"><title>{reference:g} : 1</title></line></svg>'
    )
    return (
        f"<p>{positive} positive, {negative} negative, {ratio['neutral']} neutral messages: "
        f"{verdict}</p>{bar}"
        f'<p class="muted">Green: positive, red: negative; the dashed line marks {reference:g} : 1.'
        "</p>"
    )
