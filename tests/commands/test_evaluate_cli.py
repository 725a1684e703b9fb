"""`attune evaluate` and `attune model-path` through the real CLI in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from service.records import LABELS


def _attune(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "service.cli", *args], capture_output=True, text=True,
                          timeout=180, check=False, env=env)


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


ROWS = [
    {"text": "I miss you so much, call me tonight?", "labels": ["closeness_bid"]},
    {"text": "running 10 min late", "labels": []},
    {"text": "LEAVE ME ALONE", "labels": ["distance_bid"]},
    {"text": "you're so selfish, it's always about you", "labels": ["criticism"]},
    {"text": "I'm sorry, I overreacted", "labels": ["repair_attempt"]},
]


def test_prints_the_contract_json(tmp_path: Path) -> None:
    proc = _attune("evaluate", "--data", str(_write(tmp_path / "d.jsonl", ROWS)))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    for label in LABELS:
        assert set(out[label]) >= {"precision", "recall", "f1", "support"}
        assert out[label]["support"] == 1
    assert 0.0 <= out["macro_f1"] <= 1.0
    assert out["model"]["name"] == "attune-linear"


def test_min_f1_failing_is_exit_1(tmp_path: Path) -> None:
    proc = _attune("evaluate", "--data", str(_write(tmp_path / "d.jsonl", ROWS)), "--min-f1", "1.01")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["macro_f1"] <= 1.0


def test_bad_line_is_reported_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n{not json\n", encoding="utf-8")
    proc = _attune("evaluate", "--data", str(path))
    assert proc.returncode == 2 and proc.stdout == ""
    assert "line 2" in proc.stderr and proc.stderr.count("\n") == 1


def test_unknown_label_is_a_usage_error(tmp_path: Path) -> None:
    proc = _attune("evaluate", "--data", str(_write(tmp_path / "d.jsonl", [{"text": "x", "labels": ["love"]}])))
    assert proc.returncode == 2 and "unknown label" in proc.stderr


def test_audit_lists_heavy_features_with_none_counts() -> None:
    proc = _attune("evaluate", "--audit")
    assert proc.returncode == 0, proc.stderr
    audit = json.loads(proc.stdout)["audit"]
    assert set(audit) == set(LABELS)
    for feats in audit.values():
        assert len(feats) == 30
        assert all(f["weight"] >= feats[-1]["weight"] and f["none_messages_with_it"] >= 0 for f in feats)


def test_no_model_built_is_one_line_and_exit_2(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "ATTUNE_MODEL": str(tmp_path / "nothing")}
    for args in (("evaluate", "--data", str(_write(tmp_path / "d.jsonl", ROWS))), ("model-path",)):
        proc = _attune(*args, env=env)
        assert proc.returncode == 2
        assert proc.stderr.count("\n") == 1 and "no model is built" in proc.stderr


def test_errors_lists_misclassified_messages_with_spans(tmp_path: Path) -> None:
    rows = [*ROWS, {"text": "running 10 min late", "labels": ["criticism"]}]  # a deliberate miss
    proc = _attune("evaluate", "--data", str(_write(tmp_path / "d.jsonl", rows)), "--errors", "5")
    assert proc.returncode == 0, proc.stderr
    errors = json.loads(proc.stdout)["errors"]
    miss = next(e for e in errors if e["line"] == len(rows))
    assert miss["labels"] == ["criticism"] and "criticism" not in miss["predicted"]
    assert miss["why"]["criticism"] and all(set(s) == {"text", "weight"} for s in miss["why"]["criticism"])
