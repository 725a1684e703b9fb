"""Data tier: every corpus record is valid, the corpus meets its minimums, and the card is true."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from service.paths import CORPUS_PATH, DATA_DIR
from service.records import LABELS
from training.corpus import normalise
from training.datacard import compute_block, current_block
from training.evaluate import cue_labels

FIELDS = {"id", "text", "labels", "cues", "split", "register", "addressee", "pair"}
REGISTERS = {"sms", "spoken", "chat"}
ADDRESSEES = {"partner", "friend", "family", "flatmate", "coworker", "stranger", "group"}


@pytest.fixture(scope="module")
def corpus() -> list[dict]:
    return [json.loads(line) for line in CORPUS_PATH.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def taxonomy_cues() -> set[str]:
    taxonomy = json.loads((DATA_DIR / "taxonomy.json").read_text())
    return {c["id"] for label in taxonomy["labels"] for c in label["cues"]}


def test_every_record_is_valid(corpus: list[dict], taxonomy_cues: set[str]) -> None:
    problems = []
    for r in corpus:
        if set(r) != FIELDS:
            problems.append((r.get("id"), "fields", sorted(set(r) ^ FIELDS)))
            continue
        if not isinstance(r["text"], str) or not r["text"].strip():
            problems.append((r["id"], "empty text"))
        if not set(r["labels"]) <= set(LABELS) or len(set(r["labels"])) != len(r["labels"]):
            problems.append((r["id"], "labels", r["labels"]))
        if not set(r["cues"]) <= taxonomy_cues:
            problems.append((r["id"], "unknown cue", r["cues"]))
        supported: set[str] = set()
        for cue in r["cues"]:
            if cue in taxonomy_cues:
                if cue_labels(cue)[0] not in r["labels"]:
                    problems.append((r["id"], f"cue {cue} without its label"))
                supported |= set(cue_labels(cue))
        if set(r["labels"]) - supported:
            problems.append((r["id"], "label without a cue", sorted(set(r["labels"]) - supported)))
        if r["split"] not in {"train", "validation", "test"}:
            problems.append((r["id"], "split", r["split"]))
        if r["register"] not in REGISTERS or r["addressee"] not in ADDRESSEES:
            problems.append((r["id"], "register/addressee"))
    assert problems == []


def test_ids_unique_and_no_duplicate_texts(corpus: list[dict]) -> None:
    ids = Counter(r["id"] for r in corpus)
    assert [i for i, c in ids.items() if c > 1] == []
    keys = Counter(normalise(r["text"]) for r in corpus)
    assert [k for k, c in keys.items() if c > 1] == []


def test_few_one_word_variants(corpus: list[dict]) -> None:
    """No bulk near-copies: messages that differ by a single word substitution stay rare."""
    buckets: dict[tuple, set[int]] = defaultdict(set)
    for i, r in enumerate(corpus):
        words = normalise(r["text"]).split()
        if len(words) < 5:
            continue
        for k in range(len(words)):
            buckets[(*words[:k], "_", *words[k + 1:])].add(i)
    involved = {i for ids in buckets.values() if len(ids) > 1 for i in ids}
    assert len(involved) / len(corpus) < 0.02, len(involved)


def test_minimum_counts(corpus: list[dict]) -> None:
    n = len(corpus)
    assert n >= 8000
    cue_counts = Counter(c for r in corpus for c in r["cues"])
    assert min(cue_counts[c] for c in cue_counts) >= 60 and len(cue_counts) == 26
    assert sum(1 for r in corpus if not r["labels"]) / n >= 0.45
    assert sum(1 for r in corpus if len(r["labels"]) >= 2) / n >= 0.10


def test_registers_and_addressees(corpus: list[dict]) -> None:
    n = len(corpus)
    registers = Counter(r["register"] for r in corpus)
    assert registers["sms"] / n >= 0.25
    assert registers["spoken"] / n >= 0.20
    labelled = [r for r in corpus if r["labels"]]
    assert sum(1 for r in labelled if r["addressee"] != "partner") / len(labelled) >= 0.30


def test_minimal_pairs_and_hard_negatives(corpus: list[dict]) -> None:
    by_id = {r["id"]: r for r in corpus}
    labelled = [r for r in corpus if r["labels"]]
    twins = [r for r in corpus if r["pair"]]
    assert len({t["pair"] for t in twins}) / len(labelled) >= 1 / 3
    for t in twins:
        head = by_id[t["pair"]]
        assert t["labels"] == [] and head["labels"], t["id"]
        assert t["split"] == head["split"], t["id"]
    trigger = re.compile(r"\b(you|u|ur|always|never|sorry|can'?t|together|miss|where|who|space|close|love|need|"
                         r"alone|fine|whatever|done|leave|stop)\b", re.I)
    hard = [r for r in corpus if not r["labels"] and (r["pair"] or trigger.search(r["text"]))]
    assert len(hard) >= 1500


def test_splits_are_fixed_and_sized(corpus: list[dict]) -> None:
    share = Counter(r["split"] for r in corpus)
    assert 0.13 <= share["test"] / len(corpus) <= 0.17
    assert share["validation"] > 0
    for label in [*LABELS, None]:
        part = [r for r in corpus if (label in r["labels"] if label else not r["labels"])]
        test_share = sum(1 for r in part if r["split"] == "test") / len(part)
        assert 0.10 <= test_share <= 0.20, label


def test_no_text_from_the_real_dev_set(corpus: list[dict], real_dev_path: Path) -> None:
    dev = [json.loads(line)["text"] for line in real_dev_path.read_text(encoding="utf-8").splitlines()]
    dev_keys = {normalise(t) for t in dev if len(normalise(t).split()) >= 4}
    assert [r["id"] for r in corpus if normalise(r["text"]) in dev_keys] == []

    def grams(text: str, n: int = 7) -> set[tuple[str, ...]]:
        words = normalise(text).split()
        return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}

    dev_grams = set().union(*(grams(t) for t in dev))
    shared = [r["id"] for r in corpus if grams(r["text"]) & dev_grams]
    assert len(shared) <= 5, shared


def test_data_card_figures_match_the_files() -> None:
    assert current_block(DATA_DIR / "README.md") == compute_block(DATA_DIR)


def test_behaviour_probes_are_valid_and_held_out(corpus: list[dict]) -> None:
    probes = [
        json.loads(line)
        for line in (DATA_DIR / "probes" / "behaviour.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert len(probes) >= 100
    assert all(set(p) == {"text", "labels", "family"} and set(p["labels"]) <= set(LABELS) for p in probes)
    seen = {normalise(r["text"]) for r in corpus}
    assert [p["text"] for p in probes if normalise(p["text"]) in seen] == []
