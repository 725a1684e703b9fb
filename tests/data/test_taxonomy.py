"""The taxonomy file and its Matcher patterns: complete, cited, and loadable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from spacy.matcher import Matcher

from service.paths import DATA_DIR, PATTERNS_DIR
from training.text import load_patterns

EXPECTED = {
    "closeness_bid": [f"C{i}" for i in range(1, 9)],
    "distance_bid": [f"D{i}" for i in range(1, 9)],
    "criticism": ["K1", "K2", "K3"],
    "repair_attempt": [f"R{i}" for i in range(1, 8)],
}


@pytest.fixture(scope="module")
def taxonomy() -> dict:
    return json.loads((DATA_DIR / "taxonomy.json").read_text(encoding="utf-8"))


def test_every_label_and_cue_is_described(taxonomy: dict) -> None:
    got = {label["id"]: [c["id"] for c in label["cues"]] for label in taxonomy["labels"]}
    assert got == EXPECTED
    for label in taxonomy["labels"]:
        assert label["description"] and label["sources"]
        for cue in label["cues"]:
            assert len(cue["description"]) > 20 and cue["sources"]


def test_sources_are_article_titles(taxonomy: dict) -> None:
    titles = {s["title"] for s in taxonomy["sources"]}
    cited = {s for label in taxonomy["labels"] for c in label["cues"] for s in c["sources"]}
    cited |= {s for label in taxonomy["labels"] for s in label["sources"]}
    assert cited <= titles


def test_titles_are_the_seed_articles(taxonomy: dict, repo_root: Path) -> None:
    seeds = repo_root.parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("../shared/seeds is not present (a user's clone)")
    first_lines = {p.read_text(encoding="utf-8").splitlines()[0].strip() for p in seeds.glob("*.txt")}
    assert {s["title"] for s in taxonomy["sources"]} == first_lines


def test_patterns_are_data_and_load_into_a_matcher(taxonomy: dict) -> None:
    patterns = load_patterns(PATTERNS_DIR)
    cue_ids = {c["id"] for label in taxonomy["labels"] for c in label["cues"]}
    assert {p["label"] for p in patterns} == cue_ids
    ids = [p["id"] for p in patterns]
    assert len(ids) == len(set(ids))
    matcher = Matcher(spacy.blank("en").vocab, validate=True)
    for p in patterns:
        assert set(p) <= {"label", "id", "pattern", "negation"}
        assert p.get("negation", "check") in {"check", "ignore"}
        matcher.add(p["id"], [p["pattern"]])
    for label in taxonomy["labels"]:
        for cue in label["cues"]:
            assert (DATA_DIR / cue["patterns"]).is_file()
