"""Compute the corpus figures for the data card, and write them between markers in data/README.md.

`python -m training.datacard` rewrites the block; the data tests recompute it and compare, so the
card's numbers always match the files.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from service.paths import DATA_DIR
from service.records import LABELS
from training.data import LENGTH_BUCKETS, writer_of

BEGIN = "<!-- figures:begin (written by `python -m training.datacard`; do not edit by hand) -->"
END = "<!-- figures:end -->"
CUES = [f"C{i}" for i in range(1, 9)] + [f"D{i}" for i in range(1, 9)] + ["K1", "K2", "K3"] + [
    f"R{i}" for i in range(1, 8)]


def corpus_stats(records: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(records)
    labelled = [r for r in records if r["labels"]]
    label_counts = Counter(lab for r in records for lab in r["labels"])
    return {
        "messages": n,
        "none": sum(1 for r in records if not r["labels"]),
        "multi_label": sum(1 for r in records if len(r["labels"]) >= 2),
        "labels": {lab: label_counts[lab] for lab in LABELS},
        "cues": {c: sum(1 for r in records if c in r["cues"]) for c in CUES},
        "splits": dict(sorted(Counter(r["split"] for r in records).items())),
        "split_labels": {s: _label_counts([r for r in records if r["split"] == s])
                         for s in sorted({r["split"] for r in records})},
        "registers": dict(sorted(Counter(r["register"] for r in records).items())),
        "addressees_of_labelled": dict(sorted(Counter(r["addressee"] for r in labelled).items())),
        "writers": dict(sorted(Counter(writer_of(r["id"]) for r in records).items())),
        "twins": sum(1 for r in records if r.get("pair")),
        "labelled": len(labelled),
        "lengths": _length_buckets(records),
    }


def _length_buckets(records: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Messages and labelled messages per length in words: a check on the length-label shortcut."""
    out = {}
    for name, low, high in LENGTH_BUCKETS:
        rows = [r for r in records if low <= len(r["text"].split()) <= high]
        out[name] = {"messages": len(rows), "labelled": sum(1 for r in rows if r["labels"])}
    return out


def _label_counts(records: list[dict[str, Any]]) -> dict[str, int]:
    counts = {lab: sum(1 for r in records if lab in r["labels"]) for lab in LABELS}
    counts["none"] = sum(1 for r in records if not r["labels"])
    return counts


def render(stats: dict[str, Any], agreement: dict[str, Any] | None) -> str:
    n = stats["messages"]
    pct = lambda k: f"{100 * k / n:.1f}%"  # noqa: E731
    lines = [
        BEGIN, "",
        f"- Messages: **{n}**; `none`: {stats['none']} ({pct(stats['none'])}); two or more labels: "
        f"{stats['multi_label']} ({pct(stats['multi_label'])}); labelled: {stats['labelled']}; minimal-pair "
        f"twins: {stats['twins']} ({100 * stats['twins'] / max(stats['labelled'], 1):.1f}% of labelled).",
        "- Labels: " + ", ".join(f"{k} {v}" for k, v in stats["labels"].items()) + ".",
        "- Registers: " + ", ".join(f"{k} {v} ({pct(v)})" for k, v in stats["registers"].items()) + ".",
        "- Addressees of labelled messages: " + ", ".join(
            f"{k} {v}" for k, v in stats["addressees_of_labelled"].items()) + ".",
        "- Writers: " + ", ".join(f"{k} {v}" for k, v in stats["writers"].items()) + ".",
        "- Length in words (messages, share labelled): " + ", ".join(
            f"{k}: {v['messages']} ({100 * v['labelled'] / max(v['messages'], 1):.0f}%)"
            for k, v in stats["lengths"].items()) + ".",
        "", "| split | messages | " + " | ".join([*LABELS, "none"]) + " |", "|---|---|" + "---|" * (len(LABELS) + 1),
    ]
    for s, count in stats["splits"].items():
        row = stats["split_labels"][s]
        lines.append(f"| {s} | {count} | " + " | ".join(str(row[lab]) for lab in [*LABELS, "none"]) + " |")
    lines += ["", "| cue | " + " | ".join(CUES[:13]) + " |", "|---|" + "---|" * 13,
              "| messages | " + " | ".join(str(stats["cues"][c]) for c in CUES[:13]) + " |", "",
              "| cue | " + " | ".join(CUES[13:]) + " |", "|---|" + "---|" * 13,
              "| messages | " + " | ".join(str(stats["cues"][c]) for c in CUES[13:]) + " |", ""]
    if agreement:
        lines += [f"Second labelling pass: {agreement['n']} messages ({agreement['share']:.1%} of the corpus), "
                  "labelled blind by annotators who did not write them.", "",
                  "| label | Cohen's kappa | agreement | first pass positives | second pass positives |",
                  "|---|---|---|---|---|"]
        for lab in LABELS:
            a = agreement["labels"][lab]
            lines.append(f"| {lab} | {a['kappa']:.3f} | {a['agreement']:.3f} | {a['first']} | {a['second']} |")
        lines += ["", f"Messages with any disagreement: {agreement['disagreements']}, resolved by a third "
                  "reading that saw both labelings (see data/agreement/).", ""]
    lines.append(END)
    return "\n".join(lines)


def load_corpus(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def compute_block(data_dir: Path = DATA_DIR) -> str:
    records = load_corpus(data_dir / "corpus.jsonl")
    stats = corpus_stats(records)
    agreement_path = data_dir / "agreement" / "kappa.json"
    agreement = json.loads(agreement_path.read_text()) if agreement_path.is_file() else None
    return render(stats, agreement)


def current_block(readme: Path) -> str | None:
    text = readme.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        return None
    return text[text.index(BEGIN): text.index(END) + len(END)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA_DIR)
    args = parser.parse_args()
    readme = args.data / "README.md"
    block = compute_block(args.data)
    old = current_block(readme)
    text = readme.read_text(encoding="utf-8")
    readme.write_text(text.replace(old, block) if old else text.rstrip() + "\n\n" + block + "\n", encoding="utf-8")
    print(block)


if __name__ == "__main__":
    main()
