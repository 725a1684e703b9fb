"""`attune label`: read chat exports or message files, label every message, stream the records out.

Records go to stdout (or `-o FILE`) and nothing else does; progress, per-line problems and the
final counts line go to stderr. Memory stays constant: records stream through in batches and the
optional summary and report are built incrementally from labels, speakers and timestamps.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TextIO

from service.dynamics import DEFAULT_WINDOW_HOURS, DEFAULT_WINDOW_MESSAGES, DynamicsAccumulator
from service.errors import InputFormatError, UsageError
from service.labelling import DEFAULT_BATCH_SIZE, label_records
from service.records import LABELS, ChatRecord

OUTPUT_FORMATS = ("jsonl", "csv")
CSV_COLUMNS = (
    "id",
    "conversation",
    "timestamp",
    "speaker",
    "kind",
    "text",
    "labels",
    "primary",
    *(f"score_{label}" for label in LABELS),
)
COLUMN_FLAGS = {"text": "text_column", "speaker": "speaker_column", "timestamp": "timestamp_column", "id": "id_column"}
PROGRESS_EVERY_S = 0.2


def _formats() -> tuple[str, ...]:
    """The readers' format names (imported late: parsing `attune --help` should stay cheap)."""
    from service.readers import FORMATS

    return tuple(FORMATS)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "label",
        help="label every message of chat exports or message files",
        description="Label every message of INPUT files (or stdin) and write one record per "
        "input message, in input order, to stdout or -o FILE.",
    )
    p.add_argument("inputs", nargs="*", metavar="INPUT", help="files to read; '-' or none: stdin")
    p.add_argument(
        "--format",
        default="auto",
        metavar="F",
        help="input format: auto (default, detected from the content), text, jsonl, "
        "csv, whatsapp, telegram, signal, messenger, instagram, discord, imessage, "
        "sms-xml, slack, line",
    )
    p.add_argument("--output-format", default="jsonl", choices=OUTPUT_FORMATS, help="jsonl (default) or csv")
    p.add_argument("-o", "--output", metavar="FILE", help="write records here instead of stdout")
    p.add_argument("--explain", action="store_true", help="add the explanation to each record")
    p.add_argument("--summary", metavar="FILE", help="write the conversation dynamics summary (JSON) to FILE")
    p.add_argument("--report", metavar="FILE.html", help="write a self-contained HTML report of the dynamics to FILE")
    order = p.add_mutually_exclusive_group()
    order.add_argument(
        "--dayfirst",
        dest="dayfirst",
        action="store_const",
        const=True,
        default=None,
        help="dates in the input are day/month",
    )
    order.add_argument(
        "--monthfirst", dest="dayfirst", action="store_const", const=False, help="dates in the input are month/day"
    )
    p.add_argument("--model", metavar="DIR", help="model directory (default: ATTUNE_MODEL or the newest built model)")
    for field, dest in COLUMN_FLAGS.items():
        p.add_argument(
            f"--{field}-column", dest=dest, metavar="NAME", help=f"CSV input: the column holding the {field}"
        )
    p.add_argument(
        "--on-error",
        choices=("stop", "skip"),
        default="stop",
        help="an unreadable line: stop with exit 2 (default), or skip it and report it with its line number on stderr",
    )
    p.add_argument(
        "--window-hours",
        type=float,
        default=DEFAULT_WINDOW_HOURS,
        help="summary: how long a reply may take to count as the reply to a bid (default %(default)s)",
    )
    p.add_argument(
        "--window-messages",
        type=int,
        default=DEFAULT_WINDOW_MESSAGES,
        help="summary, untimed messages: how many messages later a reply may come (default %(default)s)",
    )
    p.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        help="messages classified per model call (default %(default)s)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check every argument first, then load the model, then stream."""
    inputs = _check_inputs(args.inputs or ["-"])
    if args.format != "auto" and args.format not in _formats():
        raise UsageError(f"unknown --format {args.format!r}; choose auto or one of {', '.join(_formats())}")
    for name in ("output", "summary", "report"):
        _check_writable(getattr(args, name), f"--{name}")
    if args.batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    if not args.window_hours > 0 or args.window_messages < 1:
        raise UsageError("--window-hours must be > 0 and --window-messages at least 1")
    if args.report and not args.report.lower().endswith((".html", ".htm")):
        raise UsageError("--report FILE must end in .html")
    columns = {field: getattr(args, dest) for field, dest in COLUMN_FLAGS.items() if getattr(args, dest)}

    from service.predictor import Predictor

    predictor = Predictor.load(Path(args.model) if args.model else None)
    dynamics = None
    if args.summary or args.report:
        dynamics = DynamicsAccumulator(window_hours=args.window_hours, window_messages=args.window_messages)
    counts: Counter[str] = Counter()
    progress = _Progress(enabled=sys.stderr.isatty())
    try:
        with _open_output(args.output) as out:
            write = _writer(out, args.output_format, explain=args.explain)
            for position, name in enumerate(inputs, start=1):
                records = _read_input(name, args, columns, counts, several=len(inputs) > 1)
                for record in label_records(records, predictor, explain=args.explain, batch_size=args.batch_size):
                    write(record)
                    if dynamics is not None:
                        dynamics.add(record)
                    counts["records"] += 1
                    if record["kind"] == "message":
                        counts["messages"] += 1
                        counts["labeled"] += 1
                    else:
                        counts[f"skipped_{record['kind']}"] += 1
                    progress.tick(counts["records"], position, len(inputs))
    finally:
        progress.clear()  # so an error line starts on a clean terminal line

    model = {"name": predictor.name, "version": predictor.version}
    if dynamics is not None:
        summary = {"model": model, **dynamics.summary()}
        if args.summary:
            _write_text(args.summary, json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
        if args.report:
            from service.report import render_report

            _write_text(args.report, render_report(summary))
    sys.stderr.write(_counts_line(counts) + "\n")
    return 0


def _check_inputs(names: list[str]) -> list[str]:
    """Every INPUT exists; '-' (stdin) appears at most once."""
    if names.count("-") > 1:
        raise UsageError("standard input ('-') can be read only once")
    for name in names:
        if name != "-" and not Path(name).exists():
            raise UsageError(f"input not found: {name}")
    return names


def _check_writable(name: str | None, flag: str) -> None:
    if name is None or name == "-":
        if name == "-" and flag != "--output":
            raise UsageError(f"{flag} needs a file name, not '-'")
        return
    parent = Path(name).resolve().parent
    if not parent.is_dir():
        raise UsageError(f"{flag}: directory does not exist: {parent}")
    if Path(name).is_dir():
        raise UsageError(f"{flag}: {name} is a directory")


def _read_input(
    name: str,
    args: argparse.Namespace,
    columns: dict[str, str],
    counts: Counter[str],
    *,
    several: bool,
) -> Iterator[ChatRecord]:
    """Records of one input; problems are reported on stderr with the input and line number."""
    from service.readers import read_path, read_stream
    from service.readers.common import ReadContext

    ctx = ReadContext(
        dayfirst=args.dayfirst, csv_columns=dict(columns), on_error="report" if args.on_error == "skip" else "raise"
    )
    label = "<stdin>" if name == "-" else name
    reported = 0
    try:
        if name == "-":
            records = read_stream(sys.stdin.buffer, args.format, ctx)
        else:
            records = read_path(Path(name), args.format, ctx)
        for record in records:
            if several and record.conversation is None:
                record.conversation = label
            reported = _report_errors(ctx, label, reported, counts)
            yield record
    except InputFormatError as e:
        raise InputFormatError(f"{label}: {e}") from e
    except UnicodeDecodeError as e:
        raise InputFormatError(f"{label}: text is not decodable ({e.reason})") from e
    except OSError as e:
        raise UsageError(f"{label}: cannot read ({e.strerror or type(e).__name__})") from e
    _report_errors(ctx, label, reported, counts)
    for warning in ctx.warnings:
        _note(f"attune: warning: {label}: {warning}")
    counts["warnings"] += len(ctx.warnings)
    counts["skipped_blank"] += ctx.skipped


def _report_errors(ctx: Any, label: str, reported: int, counts: Counter[str]) -> int:
    """Print the bad lines the reader recorded since the last call; return how many are done."""
    for line, reason in ctx.errors[reported:]:
        _note(f"attune: skipped: {label}: line {line}: {reason}")
        counts["errors"] += 1
    return len(ctx.errors)


def _note(line: str) -> None:
    """One line on stderr, first wiping a progress line a terminal may be showing."""
    sys.stderr.write(("\r\x1b[K" if sys.stderr.isatty() else "") + line + "\n")


def _counts_line(counts: Counter[str]) -> str:
    """The final stderr line: key=value counts, always in the same order."""
    keys = ["records", "messages", "labeled"]
    keys += sorted(k for k in counts if k.startswith("skipped_") and k != "skipped_blank")
    keys += ["skipped_blank", "warnings", "errors"]
    return "attune: done: " + " ".join(f"{key}={counts[key]}" for key in keys)


@contextmanager
def _open_output(name: str | None) -> Iterator[TextIO]:
    """stdout, or a temporary file renamed onto FILE only when everything succeeded."""
    if name is None or name == "-":
        out = io.TextIOWrapper(
            sys.stdout.buffer, encoding="utf-8", errors="backslashreplace", newline="", write_through=False
        )
        try:
            yield out
            out.flush()
        finally:
            out.detach()
        return
    target = Path(name)
    fd, tmp = _temporary_beside(target)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace", newline="") as out:
            yield out
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _writer(out: IO[str], fmt: str, *, explain: bool) -> Any:
    """A function writing one labelled record in the chosen output format."""
    if fmt == "jsonl":

        def write_jsonl(record: dict[str, Any]) -> None:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")

        return write_jsonl
    columns = (*CSV_COLUMNS, "explanation") if explain else CSV_COLUMNS
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)

    def write_csv(record: dict[str, Any]) -> None:
        scores = record.get("scores") or {}
        row = [
            record["id"],
            record["conversation"],
            record["timestamp"],
            record["speaker"],
            record["kind"],
            record["text"],
            ";".join(record["labels"]),
            record["primary"],
            *(scores.get(label, "") for label in LABELS),
        ]
        if explain:
            explanation = record.get("explanation")
            row.append("" if explanation is None else json.dumps(explanation, ensure_ascii=False))
        writer.writerow(["" if value is None else value for value in row])

    return write_csv


def _temporary_beside(target: Path) -> tuple[int, str]:
    """A temporary file next to `target` with the permissions a plain new file would get."""
    fd, tmp = tempfile.mkstemp(prefix=".attune-", suffix=".part", dir=target.resolve().parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    return fd, tmp


def _write_text(name: str, text: str) -> None:
    """Write a whole file atomically (temporary file, then rename)."""
    target = Path(name)
    fd, tmp = _temporary_beside(target)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as f:
            f.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class _Progress:
    """A one-line counter on stderr, redrawn at most every PROGRESS_EVERY_S, only on a terminal."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.started = time.monotonic()
        self.last = 0.0
        self.shown = False

    def tick(self, records: int, position: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_S:
            return
        self.last = now
        rate = records / max(now - self.started, 1e-9)
        where = f" [input {position}/{total}]" if total > 1 else ""
        sys.stderr.write(f"\rattune: {records:,} records labelled ({rate:,.0f}/s){where}\x1b[K")
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
