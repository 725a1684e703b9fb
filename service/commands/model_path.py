"""`attune model-path`: print the model directory in use, or exit 2 when none is built."""

from __future__ import annotations

import argparse

from service.errors import ModelNotFoundError
from service.paths import default_model_dir


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("model-path", help="print the directory of the model that would be used")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    model_dir = default_model_dir()
    if model_dir is None or not all((model_dir / f).is_file() for f in ("model_card.json", "model.skops")):
        raise ModelNotFoundError("no model is built: run `attune train` (or `make model`)")
    print(model_dir)
    return 0
