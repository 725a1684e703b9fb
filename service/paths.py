"""Where the project's data and models live, resolved from the repository root."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"
MODELS_DIR = REPO_ROOT / "models"
TAXONOMY_PATH = DATA_DIR / "taxonomy.json"
PATTERNS_DIR = DATA_DIR / "patterns"
CORPUS_PATH = DATA_DIR / "corpus.jsonl"
DEFAULT_MODEL_NAME = "attune-linear"
# Opt-in (`--model models/attune-contextual-<version>`): more accurate on real messages, ~4x the CPU.
CONTEXTUAL_MODEL_NAME = "attune-contextual"


def default_model_dir() -> Path | None:
    """The model to use: `ATTUNE_MODEL` if set, else the newest built default model, else None."""
    env = os.environ.get("ATTUNE_MODEL")
    if env:
        return Path(env)
    if not MODELS_DIR.is_dir():
        return None
    built = sorted(
        (p for p in MODELS_DIR.glob(f"{DEFAULT_MODEL_NAME}-*") if (p / "model_card.json").is_file()),
        key=lambda p: p.name,
    )
    return built[-1] if built else None
