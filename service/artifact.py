"""Save and load the model file with skops.io: no pickle, a fixed list of trusted types, sha256 checked."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path
from typing import Any

import skops.io as sio

from service.errors import ModelIntegrityError

MODEL_FILE = "model.skops"
# Our own estimator classes; everything else must be a type skops already trusts.
TRUSTED_TYPES = (
    "training.features.MessageFeaturizer",
    "training.model.CalibratedLinearClassifier",
)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save(obj: Any, path: Path) -> str:
    """Write `obj` to `path` with skops and return the file's sha256."""
    sio.dump(obj, path, compression=zipfile.ZIP_DEFLATED, compresslevel=6)
    untrusted = set(sio.get_untrusted_types(file=path)) - set(TRUSTED_TYPES)
    if untrusted:
        path.unlink()
        raise ModelIntegrityError(f"model would need untrusted types to load: {sorted(untrusted)}")
    return sha256_of(path)


def load(path: Path, *, expected_sha256: str) -> Any:
    """Load `path` only if its sha256 matches the card and it needs no type outside our list."""
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise ModelIntegrityError(
            f"{path.name}: sha256 {actual[:12]}… does not match the model card's {expected_sha256[:12]}…"
        )
    untrusted = set(sio.get_untrusted_types(file=path)) - set(TRUSTED_TYPES)
    if untrusted:
        raise ModelIntegrityError(f"{path.name} holds untrusted types: {sorted(untrusted)}")
    return sio.load(path, trusted=list(TRUSTED_TYPES))
