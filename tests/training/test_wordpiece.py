"""The pure-Python WordPiece tokenizer: unit behaviour, and exact agreement with the real `tokenizers` output."""

from __future__ import annotations

import json

import pytest

from service.paths import REPO_ROOT
from training.vectors import DEFAULT_DIR
from training.wordpiece import WordPieceTokenizer, normalize, pre_tokenize, word_spans

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "wordpiece_expected.jsonl"
TOY_VOCAB = ["[PAD]", "[UNK]", "un", "##aff", "##able", "##a", "a", "aff", "hi", "!", "##s", "é"]


@pytest.fixture(scope="module")
def toy() -> WordPieceTokenizer:
    return WordPieceTokenizer(TOY_VOCAB)


@pytest.fixture(scope="module")
def real() -> WordPieceTokenizer:
    vocab = DEFAULT_DIR / "vocab.txt"
    if not vocab.is_file():
        pytest.skip("data/vectors/minilm-l6-static is absent; build it with training.vectors_build")
    return WordPieceTokenizer.from_vocab_file(vocab)


@pytest.fixture(scope="module")
def expected() -> list[dict]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").split("\n") if line]


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("Café", "cafe"),
        ("ΟΔΟΣ", "οδοσ"),  # per-character lower-casing: no final sigma
        ("İx", "ix"),  # accents are stripped before lower-casing
        ("a\x00b\u200bc\ufffd", "abc"),  # NUL, format and replacement characters are deleted
        ("a\tb\u3000c", "a b c"),
        ("我爱", " 我  爱 "),
        ("ﬁ", "ﬁ"),  # NFD, not NFKD: compatibility ligatures survive
    ],
)
def test_normalize(text: str, normalised: str) -> None:
    assert normalize(text) == normalised


def test_pre_tokenize_isolates_each_punctuation_character() -> None:
    assert pre_tokenize("what?!  no…ok") == ["what", "?", "!", "no", "…", "ok"]
    assert pre_tokenize("a^b") == ["a", "^", "b"]  # ASCII symbols count as punctuation


def test_greedy_longest_match_first(toy: WordPieceTokenizer) -> None:
    assert toy.split_word("unaffable") == ["un", "##aff", "##able"]
    assert toy.tokenize("HI! Unaffables") == ["hi", "!", "un", "##aff", "##able", "##s"]


def test_unknown_piece_makes_the_whole_word_unknown(toy: WordPieceTokenizer) -> None:
    assert toy.split_word("unaffx") == ["[UNK]"]
    assert toy.encode("hi unaffx") == [8, 1]


def test_word_length_limit(toy: WordPieceTokenizer) -> None:
    assert toy.split_word("a" * 100) == ["a"] + ["##a"] * 99
    assert toy.split_word("a" * 101) == ["[UNK]"]


def test_added_tokens_match_verbatim_before_normalising(toy: WordPieceTokenizer) -> None:
    assert toy.tokenize("hi[PAD][UNK]") == ["hi", "[PAD]", "[UNK]"]
    assert toy.tokenize("[pad]") == ["[UNK]", "[UNK]", "[UNK]"]  # lower case is ordinary text


def test_rejects_a_vocab_without_unk() -> None:
    with pytest.raises(ValueError, match="UNK"):
        WordPieceTokenizer(["a", "b"])


def test_fixture_is_varied_and_unique(expected: list[dict]) -> None:
    texts = [row["text"] for row in expected]
    assert len(texts) >= 300
    assert len(set(texts)) == len(texts)
    assert any("[UNK]" in row["tokens"] for row in expected)
    assert any(len(row["tokens"]) > 1 and row["tokens"][1].startswith("##") for row in expected)


def test_matches_real_tokenizer_on_every_fixture_text(real: WordPieceTokenizer, expected: list[dict]) -> None:
    wrong = [(row["text"], real.tokenize(row["text"]), row["tokens"]) for row in expected]
    wrong = [w for w in wrong if w[1] != w[2]]
    assert wrong == []


def test_ids_match_real_tokenizer(real: WordPieceTokenizer, expected: list[dict]) -> None:
    assert [real.encode(row["text"]) for row in expected] == [row["ids"] for row in expected]


def test_word_spans_split_where_the_normaliser_sees_whitespace() -> None:
    text = "a\tb\u00a0c\u000bd\u0085e  f\n"
    # tab, no-break space and newline separate words; VT and NEL are deleted as control characters
    assert [text[s:e] for s, e in word_spans(text)] == ["a", "b", "c\u000bd\u0085e", "f"]
    assert word_spans("") == [] and word_spans("   ") == []


def test_tokenizing_word_by_word_changes_nothing(real: WordPieceTokenizer, expected: list[dict]) -> None:
    for row in expected:
        text = row["text"]
        by_word = [piece for s, e in word_spans(text) for piece in real.tokenize(text[s:e])]
        assert by_word == real.tokenize(text), text
