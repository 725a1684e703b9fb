"""Training end to end on a small slice: deterministic, and the CLI writes a loadable model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from service.paths import CORPUS_PATH
from service.predictor import Predictor
from training.train import git_state


@pytest.fixture(scope="module")
def small_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every 12th corpus message (all three splits represented), as a data folder."""
    rows = CORPUS_PATH.read_text(encoding="utf-8").splitlines()[::12]
    folder = tmp_path_factory.mktemp("data")
    (folder / "corpus.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def _train(data: Path, out: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "service.cli", "train", "--data", str(data), "--out", str(out), "--seed", "3"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    model_dir = Path(proc.stdout.strip())
    assert model_dir.parent == out
    return json.loads((model_dir / "model_card.json").read_text())


@pytest.mark.slow
def test_same_data_and_seed_give_the_same_model(small_data: Path, tmp_path: Path) -> None:
    first = _train(small_data, tmp_path / "a")
    second = _train(small_data, tmp_path / "b")
    assert first["evaluation"]["test"] == second["evaluation"]["test"]
    assert first["thresholds"] == second["thresholds"]
    assert first["training_data"]["sha256"] == second["training_data"]["sha256"]
    slices, n_test = first["evaluation"]["test"]["slices"], first["evaluation"]["test"]["model"]["n"]
    assert slices["natural scenes"]["n"] + slices["written by cue"]["n"] == n_test
    assert sum(v["n"] for k, v in slices.items() if k.endswith(" words")) == n_test
    model = Predictor.load(tmp_path / "a" / f"{first['name']}-{first['version']}")
    other = Predictor.load(tmp_path / "b" / f"{second['name']}-{second['version']}")
    texts = ["I miss you, call me?", "leave me alone", "sorry, my fault", "ok 6pm"]
    assert model.classify(texts) == other.classify(texts)


def test_train_without_a_corpus_is_a_usage_error(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "service.cli", "train", "--data", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "corpus.jsonl" in proc.stderr


def test_git_state_says_when_the_tree_differs_from_its_commit(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "start")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "model.skops").write_text("built")  # the model being written is not a change
    commit, dirty = git_state(tmp_path)
    assert commit and len(commit) == 40 and dirty is False
    (tmp_path / "features.py").write_text("changed")
    assert git_state(tmp_path) == (commit, True)
