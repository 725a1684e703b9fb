"""The model tier holds every shipped model to the same behaviour."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", params=["default", "contextual"])
def predictor(request: pytest.FixtureRequest):
    """The default model, then the opt-in contextual one."""
    if request.param == "contextual":
        return request.getfixturevalue("contextual_predictor")
    from service.predictor import Predictor

    return Predictor.load()
