"""Assemble `data/corpus.jsonl` from the writers' shards: normalise, de-duplicate, assign splits.

Splits are deterministic (a hash of the pair group's id, stratified by label set and register), and
a labelled message and its minimal-pair twins always share a split. Run: `python -m training.corpus`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

from service.paths import DATA_DIR
from service.records import LABELS

TEST_SHARE = 0.15
VALIDATION_SHARE = 0.10
FIELDS = ("id", "text", "labels", "cues", "split", "register", "addressee", "pair")


def normalise(text: str) -> str:
    """The de-duplication key: case, punctuation and whitespace folded away."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[^\w\s]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _stable_fraction(key: str) -> float:
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:12], 16) / 16**12


def assign_splits(records: list[dict[str, Any]]) -> None:
    """Set `split` on every record: test about 15%, validation about 10%, stratified, twins together."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        groups[r.get("pair") or r["id"]].append(r)
    strata: dict[tuple[str, str], list[str]] = defaultdict(list)
    for gid, members in groups.items():
        head = next((m for m in members if m["id"] == gid), members[0])
        label_key = "+".join(sorted(head["labels"])) or "none"
        strata[(label_key, head["register"])].append(gid)
    for gids in strata.values():
        gids.sort(key=_stable_fraction)
        n = len(gids)
        n_test = round(n * TEST_SHARE)
        n_val = round(n * VALIDATION_SHARE)
        for k, gid in enumerate(gids):
            split = "test" if k < n_test else "validation" if k < n_test + n_val else "train"
            for m in groups[gid]:
                m["split"] = split


def build(raw_dir: Path, out_path: Path) -> dict[str, int]:
    """Merge every shard in `raw_dir` into `out_path`; returns counts of what was kept and dropped."""
    seen: set[str] = set()
    kept: list[dict[str, Any]] = []
    dropped_dupes = 0
    for shard in sorted(raw_dir.glob("*.jsonl")):
        for line in shard.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            r = json.loads(line)
            key = normalise(r["text"])
            if not key or key in seen:
                dropped_dupes += 1
                continue
            seen.add(key)
            r["labels"] = [lab for lab in LABELS if lab in r["labels"]]
            r["cues"] = sorted(set(r["cues"]), key=lambda c: (c[0], int(c[1:])))
            r["text"] = r["text"].strip()
            kept.append(r)
    ids = {r["id"] for r in kept}
    orphaned = 0
    for r in kept:
        if r.get("pair") and r["pair"] not in ids:
            r["pair"] = None
            orphaned += 1
    assign_splits(kept)
    with out_path.open("w", encoding="utf-8") as fh:
        for r in kept:
            fh.write(json.dumps({k: r.get(k) for k in FIELDS}, ensure_ascii=False) + "\n")
    return {"kept": len(kept), "dropped_duplicates": dropped_dupes, "orphaned_twins": orphaned}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--raw", type=Path, default=DATA_DIR / "raw")
    parser.add_argument("--out", type=Path, default=DATA_DIR / "corpus.jsonl")
    args = parser.parse_args()
    print(json.dumps(build(args.raw, args.out)))


if __name__ == "__main__":
    main()
