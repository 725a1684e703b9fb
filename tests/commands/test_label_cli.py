"""`attune label` as a user runs it: a real subprocess, real files, stdout and stderr apart.

Every scenario's process is started at once (they spend most of their time loading the model)
and each test reads the outcome of its own.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from service.paths import CONTEXTUAL_MODEL_NAME, MODELS_DIR, REPO_ROOT

WHATSAPP = """\
12/03/2024, 09:00 - Messages and calls are end-to-end encrypted. No one outside of this chat, \
not even WhatsApp, can read or listen to them. Tap to learn more.
12/03/2024, 09:01 - Sam: I miss you so much, can you call me tonight?
12/03/2024, 09:05 - Alex: leave me alone, stop texting me
12/03/2024, 09:06 - Sam: <Media omitted>
12/03/2024, 09:07 - Sam: why do you always shut me out? I just want to be close to you
it hurts
12/03/2024, 09:08 - Alex: I can't deal with this right now, leave me alone
13/03/2024, 10:00 - Alex: I'm sorry, I overreacted. I love you
"""
JSONL_LINES = [
    {
        "text": "good morning beautiful ❤️ thinking of you",
        "speaker": "Sam",
        "id": "a1",
        "timestamp": "2024-03-20T08:00:00",
    },
    {"text": "did you pay the electric bill?", "speaker": "Alex", "id": "a2", "timestamp": "2024-03-20T08:10:00"},
]
TEXT_LINES = ["you never listen to me", "", "I hear you, you're right", "ok see you at 6"]
CONTEXTUAL_DIR = MODELS_DIR / f"{CONTEXTUAL_MODEL_NAME}-1.0.0"
COUNTS = re.compile(r"attune: done: (?P<pairs>(?:\w+=\d+ ?)+)$")


@dataclass
class Run:
    """One finished `attune label` run."""

    returncode: int
    stdout: str
    stderr: str
    tmp: Path

    @property
    def stderr_lines(self) -> list[str]:
        return self.stderr.splitlines()

    def counts(self) -> dict[str, int]:
        match = COUNTS.search(self.stderr_lines[-1])
        assert match, self.stderr
        return {k: int(v) for k, v in (pair.split("=") for pair in match["pairs"].split())}

    def records(self, name: str | None = None) -> list[dict]:
        text = (self.tmp / name).read_text(encoding="utf-8") if name else self.stdout
        return [json.loads(line) for line in text.splitlines()]


def attune(*args: str) -> list[str]:
    return [sys.executable, "-m", "service.cli", "label", *args]


def env(**extra: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k != "ATTUNE_MODEL"}
    out.update(extra)
    return out


def write_inputs(tmp: Path) -> None:
    (tmp / "chat.txt").write_text(WHATSAPP, encoding="utf-8")
    (tmp / "extra.jsonl").write_text(
        "".join(json.dumps(obj, ensure_ascii=False) + "\n" for obj in JSONL_LINES), encoding="utf-8"
    )
    (tmp / "lines.txt").write_text("\n".join(TEXT_LINES) + "\n", encoding="utf-8")
    bad = [
        '{"text": "I miss you", "speaker": "Sam"}',
        "this is not json",
        "[1, 2]",
        '{"text": "leave me alone", "speaker": "Alex"}',
    ]
    (tmp / "bad.jsonl").write_text("\n".join(bad) + "\n", encoding="utf-8")
    (tmp / "empty-model").mkdir()
    (tmp / "ambiguous.txt").write_text("01/02/2024, 10:00 - Sam: hi love\n", encoding="utf-8")


SCENARIOS: dict[str, tuple[list[str], dict]] = {
    # Several inputs of several formats, a bad line skipped, records to a file, summary, report.
    "files": (
        [
            "chat.txt",
            "extra.jsonl",
            "lines.txt",
            "bad.jsonl",
            "mapped.csv",
            "ambiguous.txt",
            "--text-column",
            "Body",
            "--speaker-column",
            "Who",
            "--on-error",
            "skip",
            "-o",
            "out.jsonl",
            "--summary",
            "summary.json",
            "--report",
            "report.html",
        ],
        {},
    ),
    # stdin, CSV out on stdout, explanations, stderr a terminal (progress bar).
    "stdin_csv": (["-", "--output-format", "csv", "--explain"], {"stdin": "extra.jsonl", "tty": True}),
    # A bad line stops the run; the -o file is not left behind.
    "stop": (["bad.jsonl", "-o", "stopped.jsonl"], {}),
    "no_model": (["chat.txt"], {"env": {"ATTUNE_MODEL": "empty-model"}}),
    # The opt-in contextual model, picked with --model, explaining a whole chat.
    "contextual": (["chat.txt", "--explain", "--model", str(CONTEXTUAL_DIR)], {}),
    "bad_threads": (["chat.txt", "--model", str(CONTEXTUAL_DIR)], {"raw_env": {"ATTUNE_ENCODER_THREADS": "two"}}),
    "missing_input": (["nowhere.txt"], {}),
    "bad_format": (["--format", "pigeon", "chat.txt"], {}),
    "bad_output_dir": (["chat.txt", "-o", "no/such/dir/out.jsonl"], {}),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    tmp = tmp_path_factory.mktemp("label_cli")
    write_inputs(tmp)
    (tmp / "mapped.csv").write_text('Who,Body\nSam,I miss you\nAlex,"leave me\nalone"\n', encoding="utf-8")
    procs, terminals = {}, {}
    for name, (args, opts) in SCENARIOS.items():
        extra = {k: str(tmp / v) for k, v in opts.get("env", {}).items()} | opts.get("raw_env", {})
        stdin = (tmp / opts["stdin"]).open("rb") if "stdin" in opts else subprocess.DEVNULL
        stderr: int = subprocess.PIPE
        if opts.get("tty"):
            terminals[name], stderr = pty.openpty()
        procs[name] = subprocess.Popen(
            attune(*args),
            cwd=tmp,
            env=env(PYTHONPATH=str(REPO_ROOT), **extra),
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
        if opts.get("tty"):
            os.close(stderr)
    out = {}
    for name, proc in procs.items():
        stdout, stderr_bytes = proc.communicate(timeout=120)
        if name in terminals:
            stderr_bytes = b"".join(_drain(terminals[name]))
        out[name] = Run(proc.returncode, stdout.decode("utf-8"), stderr_bytes.decode("utf-8"), tmp)
    return out


def test_several_inputs_go_to_the_file_in_input_order(runs: dict[str, Run]) -> None:
    run = runs["files"]
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    records = run.records("out.jsonl")
    assert [(r["conversation"], r["id"]) for r in records] == [
        *(("chat.txt", str(i)) for i in (1, 2, 3, 4, 5, 7, 8)),
        ("extra.jsonl", "a1"),
        ("extra.jsonl", "a2"),
        ("lines.txt", "1"),
        ("lines.txt", "3"),
        ("lines.txt", "4"),
        ("bad.jsonl", "1"),
        ("bad.jsonl", "4"),
        ("mapped.csv", "2"),
        ("mapped.csv", "3"),
        ("ambiguous.txt", "1"),
    ]
    kinds = [r["kind"] for r in records[:7]]
    assert kinds == ["system", "message", "message", "media", "message", "message", "message"]
    assert records[4]["text"].endswith("close to you\nit hurts")
    assert records[4]["timestamp"] == "2024-03-12T09:07:00"
    for r in records:
        if r["kind"] == "message":
            assert set(r["scores"]) == {"closeness_bid", "distance_bid", "criticism", "repair_attempt"}
            assert r["primary"] in (*r["labels"], "none")
        else:
            assert (r["labels"], r["primary"], r["scores"]) == ([], "none", None)
        assert "explanation" not in r
    assert "closeness_bid" in records[1]["labels"]
    assert "distance_bid" in records[2]["labels"]
    assert [(r["speaker"], r["text"]) for r in records[-3:-1]] == [("Sam", "I miss you"), ("Alex", "leave me\nalone")]
    assert run.counts() == {
        "records": 17,
        "messages": 15,
        "labeled": 15,
        "skipped_media": 1,
        "skipped_system": 1,
        "skipped_blank": 1,
        "warnings": 1,
        "errors": 2,
    }


def test_bad_lines_are_skipped_and_reported_with_their_numbers(runs: dict[str, Run]) -> None:
    run = runs["files"]
    problems = [line for line in run.stderr_lines[:-1] if "skipped" in line]
    assert len(problems) == 2, run.stderr
    assert problems[0].startswith("attune: skipped: bad.jsonl: line 2: ")
    assert problems[1].startswith("attune: skipped: bad.jsonl: line 3: ")
    assert "not json" not in run.stderr  # the bad line's text is not echoed
    warnings = [line for line in run.stderr_lines if line.startswith("attune: warning: ")]
    assert len(warnings) == 1
    assert warnings[0].startswith("attune: warning: ambiguous.txt: ")
    assert len(run.stderr_lines) == 2 + 1 + 1  # two bad lines, one warning, the counts


def test_summary_file_matches_the_records(runs: dict[str, Run]) -> None:
    run = runs["files"]
    summary = json.loads((run.tmp / "summary.json").read_text(encoding="utf-8"))
    assert summary["model"]["name"]
    assert [c["conversation"] for c in summary["conversations"]] == [
        "chat.txt",
        "extra.jsonl",
        "lines.txt",
        "bad.jsonl",
        "mapped.csv",
        "ambiguous.txt",
    ]
    chat = summary["conversations"][0]
    assert chat["messages"] == 5
    assert chat["skipped"] == {"media": 1, "system": 1}
    assert chat["speakers"]["Sam"]["messages"] == 2
    assert chat["speakers"]["Alex"]["messages"] == 3
    # Sam's two bids (09:01, 09:07) are answered by Alex's distance bids: turned against, and
    # that back-and-forth twice is one pursue-withdraw run.
    assert chat["bids"]["by_speaker"]["Sam"]["total"] == 2
    assert chat["bids"]["by_speaker"]["Sam"]["turned_against"] == 2
    runs_ = chat["pursue_withdraw"]["runs"]
    assert [(r["pursuer"], r["withdrawer"], r["exchanges"]) for r in runs_] == [("Sam", "Alex", 2)]
    assert summary["overall"]["messages"] == 15
    assert summary["overall"]["unattributed_messages"] == 3  # the plain text lines


def test_report_is_written_and_holds_no_message_text(runs: dict[str, Run]) -> None:
    page = (runs["files"].tmp / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "Pursue–withdraw" in page
    assert "<script" not in page
    for line in WHATSAPP.splitlines()[1:]:
        assert line.split(": ", 1)[-1] not in page
    for obj in JSONL_LINES:
        assert obj["text"] not in page


def test_stdin_to_csv_with_explanations(runs: dict[str, Run]) -> None:
    run = runs["stdin_csv"]
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert [(r["id"], r["speaker"], r["text"]) for r in rows] == [
        (o["id"], o["speaker"], o["text"]) for o in JSONL_LINES
    ]
    assert list(rows[0]) == [
        "id",
        "conversation",
        "timestamp",
        "speaker",
        "kind",
        "text",
        "labels",
        "primary",
        "score_closeness_bid",
        "score_distance_bid",
        "score_criticism",
        "score_repair_attempt",
        "explanation",
    ]
    assert "closeness_bid" in rows[0]["labels"].split(";")
    assert 0.0 <= float(rows[0]["score_closeness_bid"]) <= 1.0
    explanation = json.loads(rows[0]["explanation"])
    assert all(rows[0]["text"][s["start"] : s["end"]] == s["text"] for s in explanation["spans"])
    # stderr was a terminal: the progress line was drawn there, never on stdout.
    assert "records labelled" in run.stderr
    assert "records labelled" not in run.stdout
    assert run.counts()["messages"] == 2


def test_contextual_model_labels_and_explains_a_chat(runs: dict[str, Run]) -> None:
    run = runs["contextual"]
    assert run.returncode == 0, run.stderr
    records = run.records()
    assert [r["id"] for r in records] == [str(i) for i in (1, 2, 3, 4, 5, 7, 8)]
    for r in (r for r in records if r.get("explanation")):
        ex = r["explanation"]
        assert all(r["text"][s["start"] : s["end"]] == s["text"] for s in ex["spans"])
        for label, raw in ex["raw_scores"].items():
            total = ex["bias"][label] + sum(s["weight"] for s in ex["spans"] if s["label"] == label)
            assert total == pytest.approx(raw, abs=1e-9)
    missing = next(r for r in records if r["text"].startswith("I miss you so much"))
    assert "closeness_bid" in missing["labels"]


def test_a_bad_line_stops_with_exit_2_and_no_output_file(runs: dict[str, Run]) -> None:
    run = runs["stop"]
    assert run.returncode == 2
    assert run.stderr_lines == [run.stderr_lines[0]]
    assert run.stderr_lines[0].startswith("attune: error: bad.jsonl: line 2: ")
    assert not (run.tmp / "stopped.jsonl").exists()
    assert not list(run.tmp.glob(".attune-*"))


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        ("no_model", "no model"),
        ("missing_input", "input not found: nowhere.txt"),
        ("bad_format", "unknown --format 'pigeon'"),
        ("bad_output_dir", "--output: directory does not exist"),
        ("bad_threads", "ATTUNE_ENCODER_THREADS must be a whole number of threads, got 'two'"),
    ],
)
def test_unusable_arguments_exit_2_with_one_line(runs: dict[str, Run], scenario: str, message: str) -> None:
    run = runs[scenario]
    assert run.returncode == 2
    assert run.stdout == ""
    assert len(run.stderr_lines) == 1
    assert run.stderr_lines[0].startswith("attune: error: ")
    assert message in run.stderr_lines[0]


def _drain(fd: int) -> Iterator[bytes]:
    try:
        while chunk := os.read(fd, 4096):
            yield chunk
    except OSError:  # EIO once the other end is closed
        pass
    finally:
        os.close(fd)
