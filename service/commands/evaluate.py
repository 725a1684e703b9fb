"""`attune evaluate`: score a model on any `{"text", "labels"}` JSONL file; `--audit` for shortcuts."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from service.errors import EXIT_CHECK_FAILED, EXIT_OK, UsageError
from service.paths import CORPUS_PATH


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="precision, recall and F1 per label on a labelled JSONL file")
    p.add_argument("--data", type=Path, help='JSONL file of {"text", "labels"} lines')
    p.add_argument("--model", type=Path, default=None, help="model folder (default: ATTUNE_MODEL or the newest built)")
    p.add_argument("--audit", action="store_true",
                   help="also print the shortcut audit: heaviest features per label and their use in `none` messages")
    p.add_argument("--min-f1", type=float, default=None, help="exit 1 when macro-F1 is below this")
    p.add_argument("--errors", type=int, default=0, metavar="N",
                   help="also list the first N misclassified messages (their text included) with the "
                        "three strongest spans behind each wrong or missed label, for error analysis")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.data is None and not args.audit:
        raise UsageError("give --data FILE.jsonl (and/or --audit)")
    from service.predictor import Predictor  # heavy imports only for this command
    from training.data import load_labelled
    from training.evaluate import report

    predictor = Predictor.load(args.model)
    out: dict = {"model": predictor.info}
    if args.data is not None:
        data = load_labelled(args.data)
        if not len(data):
            raise UsageError(f"{args.data} holds no messages")
        results = predictor.classify(data.texts)
        out.update(report(data.Y, _indicator(results, predictor.labels)))
        if args.errors > 0:
            out["errors"] = _errors(predictor, data.records, results, limit=args.errors)
    if args.audit:
        out["audit"] = _audit(predictor)
    print(json.dumps(out, indent=2, ensure_ascii=False))
    if args.min_f1 is not None and "macro_f1" in out and out["macro_f1"] < args.min_f1:
        return EXIT_CHECK_FAILED
    return EXIT_OK


def _errors(predictor: Any, records: list[dict], results: list[dict], *, limit: int) -> list[dict]:
    """The first `limit` misclassified records, each with the spans that pushed the wrong way."""
    wrong = [(r, res) for r, res in zip(records, results, strict=True) if set(r["labels"]) != set(res["labels"])]
    out = []
    for (record, result), explained in zip(
        wrong[:limit], predictor.classify([r["text"] for r, _ in wrong[:limit]], explain=True), strict=True
    ):
        disputed = sorted(set(record["labels"]) ^ set(result["labels"]))
        spans = explained["explanation"]["spans"]
        out.append({
            "line": record.get("_line"),
            "text": record["text"],
            "labels": record["labels"],
            "predicted": result["labels"],
            "why": {label: [{"text": s["text"], "weight": round(s["weight"], 3)}
                            for s in sorted((s for s in spans if s["label"] == label),
                                            key=lambda s: -abs(s["weight"]))[:3]]
                    for label in disputed},
        })
    return out


def _indicator(results: list[dict], labels: tuple[str, ...]):  # noqa: ANN202 - numpy array
    import numpy as np

    return np.array([[int(label in r["labels"]) for label in labels] for r in results], dtype=int)


def _audit(predictor: Any) -> dict:
    from training.data import load_labelled
    from training.evaluate import shortcut_audit

    corpus = load_labelled(CORPUS_PATH)
    featurizer = predictor.featurizer
    none_rows = corpus.where("labels", [])
    return shortcut_audit(featurizer.get_feature_names_out(), predictor.classifier.coef_,
                          featurizer.transform(none_rows.texts))
