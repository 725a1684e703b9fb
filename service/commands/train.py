"""`attune train`: build the default model (or, with `--contextual`, the contextual one) from data/ into models/."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from service.errors import UsageError
from service.paths import DATA_DIR


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train the default model from data/ into models/")
    p.add_argument("--data", type=Path, default=DATA_DIR, help="folder holding corpus.jsonl (default: data/)")
    p.add_argument("--out", type=Path, default=None, help="folder to write the model into (default: models/)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--contextual", action="store_true",
                   help="train attune-contextual: the all-MiniLM-L6-v2 sentence vector in place of the static "
                        "word vectors (more accurate on real messages, about 4x the CPU per message)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not (args.data / "corpus.jsonl").is_file():
        raise UsageError(f"no corpus.jsonl in {args.data}")
    from training.train import train  # heavy imports only for this command

    start = time.perf_counter()
    model_dir = train(data_dir=args.data, out_dir=args.out, seed=args.seed, contextual=args.contextual)
    sys.stderr.write(f"attune: trained {model_dir.name} in {time.perf_counter() - start:.1f}s\n")
    print(model_dir)
    return 0
