"""Chat throughput and memory: parse-only and parse-and-label a generated WhatsApp export.

    .venv/bin/python bench/chats.py [--messages 200000] [--seed 7] [--no-traced-label]

Generates an Android-style WhatsApp export (the readers' `render_whatsapp`) with multi-line
messages, media placeholders and system lines, then runs each stage in a fresh process so that
ru_maxrss belongs to that stage alone:
  parse          read every record (`service.readers.read_path`, format auto)
  label          read, label (`label_records`), write JSON Lines to /dev/null, build the summary:
                 what `attune label FILE -o OUT --summary S` does
  *-traced       the same under tracemalloc, for the peak of Python allocations (slower; its
                 time is not reported)
Parse peaks are also measured on a tenth of the messages: equal peaks show constant memory.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from service.records import ChatRecord  # noqa: E402

SPEAKERS = ("Sam", "Alex")
TEMPLATES = (
    "I miss you so much, can you call me tonight?",
    "thinking of you ❤️",
    "movie night tonight? I'll get the popcorn",
    "look at this sunset 😍 wish you were here",
    "do you still love me?",
    "we never spend time together anymore",
    "who were you texting at {h}am??",
    "I need a night to myself",
    "I can't deal with this right now, I'm exhausted",
    "can we not do this now",
    "leave me alone",
    "whatever.",
    "think I'll skip dinner and just be by myself",
    "you never listen to me",
    "you're so selfish, this is all your fault",
    "oh wow, you remembered I exist 🙄",
    "well maybe if YOU didn't nag all the time",
    "I'm sorry, I overreacted",
    "you're right, I should have called",
    "I get why you're upset",
    "can we take {n} minutes and talk when we're calmer?",
    "truce? I'll make pancakes 🥞",
    "I'm not going anywhere, we'll figure this out",
    "ok. apology accepted, love you too",
    "running {n} min late",
    "did you pay the electric bill?",
    "ok see you at {h}",
    "lol",
    "the store closes at {h}, need anything?",
    "my sister says she needs space from her husband",
    "good morning beautiful ❤️",
    "I'm going to bed.",
)
MULTILINE = "ok so about saturday\nI can do {h}pm\nif that works for you"
MEDIA = "<Media omitted>"
SYSTEM = (
    "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
    "WhatsApp, can read or listen to them. Tap to learn more."
)


def generate(path: Path, messages: int, *, seed: int) -> None:
    """Write a WhatsApp export of `messages` records, rendered in chunks (bounded memory)."""
    from service.readers.whatsapp import render_whatsapp

    rng = random.Random(seed)
    moment = datetime(2023, 1, 2, 8, 0)
    chunk: list[ChatRecord] = []
    with path.open("w", encoding="utf-8") as out:
        for i in range(messages):
            moment += timedelta(minutes=rng.randint(0, 45))
            speaker = SPEAKERS[rng.random() < 0.5]
            roll = rng.random()
            if i == 0:
                record = ChatRecord(text=SYSTEM, timestamp=moment.isoformat(), kind="system")
            elif roll < 0.03:
                record = ChatRecord(text=MEDIA, speaker=speaker, timestamp=moment.isoformat())
            elif roll < 0.08:
                text = MULTILINE.format(h=rng.randint(1, 11))
                record = ChatRecord(text=text, speaker=speaker, timestamp=moment.isoformat())
            else:
                text = rng.choice(TEMPLATES).format(h=rng.randint(1, 11), n=rng.randint(5, 40))
                record = ChatRecord(text=text, speaker=speaker, timestamp=moment.isoformat())
            chunk.append(record)
            if len(chunk) == 10_000:
                out.write(render_whatsapp(chunk))
                chunk = []
        if chunk:
            out.write(render_whatsapp(chunk))


def rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stage_parse(path: Path, traced: bool) -> dict[str, float]:
    from service.readers import read_path

    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    records = sum(1 for _ in read_path(path))
    seconds = time.perf_counter() - started
    out = {"records": records, "seconds": seconds, "rss_mb": rss_mb()}
    if traced:
        out["peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return out


def stage_label(path: Path, traced: bool) -> dict[str, float]:
    from service.dynamics import DynamicsAccumulator
    from service.labelling import label_records
    from service.predictor import Predictor
    from service.readers import read_path

    predictor = Predictor.load()
    predictor.classify(["warm up"])
    loaded_rss = rss_mb()
    if traced:
        tracemalloc.start()
    dynamics = DynamicsAccumulator()
    records = messages = 0
    started = time.perf_counter()
    with open(os.devnull, "w", encoding="utf-8") as sink:
        for record in label_records(read_path(path), predictor):
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
            dynamics.add(record)
            records += 1
            messages += record["kind"] == "message"
    summary = dynamics.summary()
    seconds = time.perf_counter() - started
    out = {
        "records": records,
        "messages": messages,
        "seconds": seconds,
        "rss_mb": rss_mb(),
        "rss_after_model_load_mb": loaded_rss,
        "bids": summary["overall"]["bids"]["total"],
    }
    if traced:
        out["peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return out


def run_stage(stage: str, path: Path, *, traced: bool = False) -> dict[str, float]:
    """Run one stage in a fresh interpreter and return its JSON figures."""
    cmd = [sys.executable, __file__, "--stage", stage, "--path", str(path)]
    if traced:
        cmd.append("--traced")
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--no-traced-label", action="store_true", help="skip the slow tracemalloc pass of the label stage"
    )
    parser.add_argument("--stage", choices=("parse", "label"), help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        fn = stage_parse if args.stage == "parse" else stage_label
        print(json.dumps(fn(args.path, args.traced)))
        return

    with tempfile.TemporaryDirectory(prefix="attune-bench-") as tmp:
        big, small = Path(tmp) / "WhatsApp Chat with Alex.txt", Path(tmp) / "small.txt"
        started = time.perf_counter()
        generate(big, args.messages, seed=args.seed)
        generate(small, args.messages // 10, seed=args.seed)
        print(
            f"generated {args.messages:,} records, {big.stat().st_size / 2**20:.1f} MiB "
            f"in {time.perf_counter() - started:.1f} s"
        )

        parse = run_stage("parse", big)
        print(
            f"parse only:      {parse['records'] / parse['seconds']:>10,.0f} records/s  "
            f"({parse['records']:,} in {parse['seconds']:.1f} s), ru_maxrss "
            f"{parse['rss_mb']:.0f} MiB"
        )
        traced_big = run_stage("parse", big, traced=True)
        traced_small = run_stage("parse", small, traced=True)
        print(
            f"parse peak (tracemalloc): {traced_big['peak_mb']:.2f} MiB for "
            f"{traced_big['records']:,} records, {traced_small['peak_mb']:.2f} MiB for "
            f"{traced_small['records']:,}"
        )

        label = run_stage("label", big)
        print(
            f"parse and label: {label['messages'] / label['seconds']:>10,.0f} messages/s  "
            f"({label['messages']:,} messages of {label['records']:,} records in "
            f"{label['seconds']:.1f} s), ru_maxrss {label['rss_mb']:.0f} MiB "
            f"({label['rss_after_model_load_mb']:.0f} MiB after loading the model)"
        )
        if not args.no_traced_label:
            traced = run_stage("label", big, traced=True)
            print(f"parse and label peak (tracemalloc): {traced['peak_mb']:.2f} MiB")


if __name__ == "__main__":
    main()
