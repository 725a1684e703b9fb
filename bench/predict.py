"""Benchmark the model in-process: load time, messages per second for batches of 1, 100 and 10,000
messages with and without explanations, and peak memory (RSS: tracemalloc would slow the timings).
Run by hand; prints its figures.

    .venv/bin/python bench/predict.py [--model DIR] [--quick]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time
from pathlib import Path

from service.paths import CORPUS_PATH
from service.predictor import Predictor


def _messages(n: int, seed: int = 0) -> list[str]:
    """Realistic texts to time: corpus messages when present, cycled to `n`, in a fixed order."""
    if CORPUS_PATH.is_file():
        pool = [json.loads(line)["text"] for line in CORPUS_PATH.read_text(encoding="utf-8").splitlines()]
    else:
        pool = ["running 10 min late", "I miss you, can you call tonight?", "whatever.", "sorry I yelled"]
    rng = random.Random(seed)
    return [pool[rng.randrange(len(pool))] for _ in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--quick", action="store_true", help="smaller largest batch (1,000) for a fast look")
    args = parser.parse_args()

    start = time.perf_counter()
    predictor = Predictor.load(args.model)
    predictor.classify(["warm up"])
    load_s = time.perf_counter() - start
    print(f"model {predictor.name} {predictor.version}: load + first prediction {load_s * 1000:.0f} ms")
    # A running server has seen many words; warm the per-word caches as it would have.
    predictor.classify(_messages(2_000, seed=99))

    sizes = (1, 100, 1_000 if args.quick else 10_000)
    for explain in (False, True):
        for size in sizes:
            repeats = {1: 300, 100: 5}.get(size, 1)
            batches = [_messages(size, seed=size * 1000 + r) for r in range(repeats)]  # all different
            t0 = time.perf_counter()
            for texts in batches:
                predictor.classify(texts, explain=explain)
            elapsed = time.perf_counter() - t0
            rate = size * repeats / elapsed
            print(f"batch {size:>6} explain={explain!s:5}: {rate:8.0f} messages/s "
                  f"({elapsed / repeats * 1000:.1f} ms per batch)")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss_mb:.0f} MiB (the largest batch's results are held in memory at once)")


if __name__ == "__main__":
    main()
