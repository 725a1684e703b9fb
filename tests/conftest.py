"""Fixtures shared by every test tier: the repository, ../shared when present, the built model."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.paths import REPO_ROOT

SHARED_DIR = REPO_ROOT.parent / "shared"
REAL_DEV = SHARED_DIR / "dev" / "real_dev.jsonl"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def real_dev_path() -> Path:
    """The third-party real-message dev set; tests that need it skip in a user's clone."""
    if not REAL_DEV.is_file():
        pytest.skip("../shared/dev/real_dev.jsonl is not present (a user's clone)")
    return REAL_DEV


@pytest.fixture(scope="session")
def predictor():  # the model stack is imported lazily, at first use
    """The default built model, loaded once and verified against its card."""
    from service.predictor import Predictor

    return Predictor.load()


@pytest.fixture(scope="session")
def contextual_predictor():
    """The opt-in contextual model (committed beside the default one), loaded once."""
    from service.paths import CONTEXTUAL_MODEL_NAME, MODELS_DIR
    from service.predictor import Predictor

    built = sorted(MODELS_DIR.glob(f"{CONTEXTUAL_MODEL_NAME}-*"))
    assert built, f"no {CONTEXTUAL_MODEL_NAME} model in {MODELS_DIR}: run `attune train --contextual`"
    return Predictor.load(built[-1])
