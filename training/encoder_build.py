"""Build the int8 ONNX sentence encoder from all-MiniLM-L6-v2, and the check that pins it to the original.

Run from the repo root in the build virtualenv (the `vectors` extra: torch, onnx, onnxruntime, the model):

    HF_HUB_OFFLINE=1 /work/vecenv/bin/python -m training.encoder_build           # write data/vectors/minilm-l6-int8/
    HF_HUB_OFFLINE=1 /work/vecenv/bin/python -m training.encoder_build compare   # cosine: ours vs sentence-transformers
    HF_HUB_OFFLINE=1 /work/vecenv/bin/python -m training.encoder_build fixture   # reference vectors for the tests

The graph is exported with torch once, then its weights are quantised to int8 per output channel with
onnxruntime's dynamic quantisation (a single message then costs about 1.5 ms on one core instead of about
4.5 ms in float32). Serving reads the folder with `training.encoder`, which needs only onnxruntime and numpy.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from training.encoder import DEFAULT_ENCODER_DIR, HASHED_FILES, SPECIAL_TOKENS, SentenceEncoder
from training.vectors import sha256_file
from training.vectors_build import (
    CORPUS,
    _log,
    _offline,
    _row_cosine,
    model_dir,
    upstream_manifest,
    upstream_provenance,
)

OPSET = 17
COMPARE_SENTENCES = 2000
FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "minilm_reference.jsonl"
# Written for the fixture: plain, shorthand, emoji, accents, punctuation runs, a long message.
FIXTURE_TEXTS = (
    "can we get dinner tonight, just us two?",
    "I need a few hours to myself, talk later",
    "you ALWAYS do this and never even notice",
    "ok ok I hear you. I'm sorry, that was unfair of me",
    "omw 🚗 b there in 10",
    "Thé café était fermé… again!!!",
    "miss u ❤️❤️",
    "Whatever.",
    "so proud of you for finishing the race today, seriously amazing 🎉",
    "k",
    " ".join(["we should plan the trip soon because the prices keep going up"] * 30),
)


def build(out: Path) -> None:
    """Export, quantise and write model.onnx, vocab.txt, manifest.json, README.md and LICENSE."""
    _offline()
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    source = model_dir()
    model = AutoModel.from_pretrained(str(source)).eval()

    class TokenStates(torch.nn.Module):
        """The encoder's last hidden states for one segment (token types all zero)."""

        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            types = torch.zeros_like(input_ids)
            return self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=types).last_hidden_state

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        float_path = Path(tmp) / "float32.onnx"
        example = torch.tensor([[101, 7592, 2045, 102]]), torch.ones(1, 4, dtype=torch.int64)
        axes = {
            "input_ids": {0: "batch", 1: "tokens"},
            "attention_mask": {0: "batch", 1: "tokens"},
            "token_states": {0: "batch", 1: "tokens"},
        }
        _log(f"exporting {source} to ONNX (opset {OPSET})")
        torch.onnx.export(
            TokenStates(model),
            example,
            str(float_path),
            input_names=["input_ids", "attention_mask"],
            output_names=["token_states"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )
        _log("quantising weights to int8, per channel")
        quantize_dynamic(str(float_path), str(out / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True)
    shutil.copyfile(source / "vocab.txt", out / "vocab.txt")
    config = json.loads((source / "sentence_bert_config.json").read_text(encoding="utf-8"))
    manifest: dict[str, Any] = {
        **upstream_manifest(out),
        "torch_version": version("torch"),
        "transformers_version": version("transformers"),
        "onnx_version": version("onnx"),
        "onnxruntime_version": version("onnxruntime"),
        "opset": OPSET,
        "quantisation": "onnxruntime.quantization.quantize_dynamic(weight_type=QInt8, per_channel=True)",
        "inputs": ["input_ids", "attention_mask"],
        "output": "token_states",
        "dim": int(model.config.hidden_size),
        "max_tokens": int(config["max_seq_length"]),
        "pooling": "mean of token states over the attention mask, then L2-normalised",
        "special_tokens": list(SPECIAL_TOKENS),
        "sha256": {name: sha256_file(out / name) for name in HASHED_FILES},
        "built": datetime.now(UTC).date().isoformat(),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "README.md").write_text(_readme(manifest, has_license=(out / "LICENSE").is_file()), encoding="utf-8")
    size = sum(p.stat().st_size for p in out.iterdir())
    print(json.dumps({"folder": str(out), "bytes": size, "sha256": manifest["sha256"]}))


def _readme(manifest: dict[str, Any], *, has_license: bool) -> str:
    """Provenance, licence notice and rebuild instructions for the encoder folder."""
    licence = "the `LICENSE` file here" if has_license else "<https://www.apache.org/licenses/LICENSE-2.0>"
    upstream = upstream_provenance(manifest)
    return f"""# {manifest["name"]}: all-MiniLM-L6-v2 as an int8 ONNX graph

The sentence encoder behind Attune's contextual model (`models/attune-contextual-*`). It returns each
WordPiece token's final hidden state ({manifest["dim"]} floats); `training/encoder.py` mean-pools them into
the message vector, which a linear model reads, so each token's share of a score stays exact.

| file | what |
| --- | --- |
| `model.onnx` | the encoder graph, weights quantised to int8; inputs `input_ids`, `attention_mask` |
| `vocab.txt` | the upstream WordPiece vocabulary, one token per line (line *i* is id *i*) |
| `manifest.json` | versions, settings and sha256 of the files above (checked on load) |
| `LICENSE` | Apache License 2.0, the upstream model's licence |

## Provenance

{upstream}- Exported with torch {manifest["torch_version"]} (transformers {manifest["transformers_version"]}, onnx
  {manifest["onnx_version"]}, opset {manifest["opset"]}), then `{manifest["quantisation"]}` with onnxruntime
  {manifest["onnxruntime_version"]}. The export and the quantisation are deterministic: a rebuild with these
  versions writes the same bytes.
- Built {manifest["built"]}.

## Licence

The graph is a derivative of all-MiniLM-L6-v2 and is distributed under the Apache License, Version 2.0
(see {licence}). Notice: *Derived from sentence-transformers/all-MiniLM-L6-v2, Copyright the
sentence-transformers authors, licensed under the Apache License 2.0. Modified: exported to ONNX and its
weights quantised to 8-bit integers.* The graph is provided "AS IS", without warranties or conditions of
any kind.

## Rebuild

torch, onnx and the packaged model are only in the optional `vectors` extra of `pyproject.toml`; they are
never needed to serve or test. From the repo root, in a separate virtualenv:

```sh
python -m venv /work/vecenv && /work/vecenv/bin/pip install -e ".[vectors]"
HF_HUB_OFFLINE=1 /work/vecenv/bin/python -m training.encoder_build            # writes this folder
HF_HUB_OFFLINE=1 /work/vecenv/bin/python -m training.encoder_build compare    # check against the original
```

A rebuild that changes `model.onnx` changes its sha256 here and in every model trained with it; retrain.
"""


def compare(folder: Path) -> None:
    """Cosine of our pooled vectors vs sentence-transformers' on corpus sentences, plus token agreement."""
    _offline()
    from sentence_transformers import SentenceTransformer
    from transformers import AutoTokenizer

    source = model_dir()
    reference = SentenceTransformer(str(source), device="cpu")
    real_tokenizer = AutoTokenizer.from_pretrained(str(source))
    ours = SentenceEncoder.load(folder)
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in random.Random(0).sample(lines, COMPARE_SENTENCES)]
    theirs = reference.encode(texts, normalize_embeddings=True, convert_to_numpy=True).astype(np.float32)
    mine = ours.encode(texts)
    cos = _row_cosine(mine, theirs)
    token_mismatches = sum(
        ours.tokenizer.tokenize(t) != real_tokenizer.tokenize(t) for t in (json.loads(x)["text"] for x in lines)
    )
    print(
        json.dumps(
            {
                "sentences": len(texts),
                "cosine": {"min": float(cos.min()), "mean": float(cos.mean())},
                "corpus_texts": len(lines),
                "token_mismatches": token_mismatches,
            }
        )
    )


def fixture() -> None:
    """Write sentence-transformers' vectors for FIXTURE_TEXTS, which the tests compare ours with."""
    _offline()
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(model_dir()), device="cpu")
    vectors = reference.encode(list(FIXTURE_TEXTS), normalize_embeddings=True, convert_to_numpy=True)
    lines = (
        json.dumps({"text": t, "vector": [round(float(x), 7) for x in v]}, ensure_ascii=False)
        for t, v in zip(FIXTURE_TEXTS, vectors, strict=True)
    )
    FIXTURE.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    print(json.dumps({"fixture": str(FIXTURE), "texts": len(FIXTURE_TEXTS)}))


def main(argv: list[str] | None = None) -> None:
    """Dispatch the subcommands; `build` is the default."""
    parser = argparse.ArgumentParser(prog="python -m training.encoder_build", description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", default="build", choices=("build", "compare", "fixture"))
    parser.add_argument("--out", type=Path, default=DEFAULT_ENCODER_DIR, help="encoder folder (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.command == "build":
        build(args.out)
    elif args.command == "compare":
        compare(args.out)
    else:
        fixture()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
