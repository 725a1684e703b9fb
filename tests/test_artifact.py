"""skops persistence: only our listed types are trusted; anything else is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import skops.io as sio
from sklearn.preprocessing import FunctionTransformer

from service import artifact
from service.errors import ModelIntegrityError


def test_refuses_to_save_untrusted_types(tmp_path: Path) -> None:
    with pytest.raises(ModelIntegrityError, match="untrusted"):
        artifact.save(FunctionTransformer(func=print), tmp_path / "m.skops")
    assert not (tmp_path / "m.skops").exists()


def test_refuses_to_load_untrusted_types(tmp_path: Path) -> None:
    path = tmp_path / "m.skops"
    sio.dump(FunctionTransformer(func=print), path)
    with pytest.raises(ModelIntegrityError, match="untrusted"):
        artifact.load(path, expected_sha256=artifact.sha256_of(path))


def test_round_trip_with_hash(tmp_path: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    path = tmp_path / "m.skops"
    sha = artifact.save(LogisticRegression(C=2.0), path)
    assert artifact.load(path, expected_sha256=sha).C == 2.0
    with pytest.raises(ModelIntegrityError, match="sha256"):
        artifact.load(path, expected_sha256="f" * 64)
