"""Inter-annotator agreement on the blind second pass: writes `data/agreement/kappa.json`.

`first_pass_of_sample.jsonl` holds the writers' labels for the sampled ids as they stood before
adjudication; `second_pass.jsonl` holds a different annotator's blind labels for the same ids.
Cohen's kappa per label (present/absent) is computed from the two, so the figure in the data
card can be recomputed at any time.

    python -m training.agreement
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from sklearn.metrics import cohen_kappa_score

from training.data import LABELS

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def _read(path: Path) -> dict[str, set[str]]:
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {row["id"]: set(row["labels"]) for row in rows}


def agreement(first: dict[str, set[str]], second: dict[str, set[str]], corpus_size: int) -> dict[str, Any]:
    """Kappa, raw agreement and positive counts per label over the ids both passes labelled."""
    if first.keys() != second.keys():
        raise ValueError(f"the passes cover different ids ({len(first.keys() ^ second.keys())} differ)")
    ids = sorted(first)
    per_label: dict[str, dict[str, float | int]] = {}
    for label in LABELS:
        a = [label in first[i] for i in ids]
        b = [label in second[i] for i in ids]
        per_label[label] = {
            "kappa": round(float(cohen_kappa_score(a, b)), 4),
            "agreement": round(sum(x == y for x, y in zip(a, b, strict=True)) / len(ids), 4),
            "first": sum(a),
            "second": sum(b),
        }
    return {
        "n": len(ids),
        "share": round(len(ids) / corpus_size, 4),
        "labels": per_label,
        "disagreements": sum(first[i] != second[i] for i in ids),
    }


def compute(data_dir: Path = DATA_DIR) -> dict[str, Any]:
    folder = data_dir / "agreement"
    corpus_size = sum(1 for line in (data_dir / "corpus.jsonl").open(encoding="utf-8") if line.strip())
    return agreement(_read(folder / "first_pass_of_sample.jsonl"), _read(folder / "second_pass.jsonl"), corpus_size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA_DIR)
    args = parser.parse_args()
    result = compute(args.data)
    (args.data / "agreement" / "kappa.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
