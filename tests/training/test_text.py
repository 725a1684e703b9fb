"""The analyzer: offsets into the original text, shorthand folding, negation, cue matches."""

from __future__ import annotations

import hashlib
import json

import pytest

from service.paths import DATA_DIR, PATTERNS_DIR
from training.text import ANALYSIS_VERSION, TextAnalyzer, blank_stammers, fold_case, load_patterns, load_shorthand


@pytest.fixture(scope="module")
def analyzer() -> TextAnalyzer:
    return TextAnalyzer(patterns=load_patterns(PATTERNS_DIR), shorthand=load_shorthand(DATA_DIR / "shorthand.json"))


def _cues(analyzer: TextAnalyzer, text: str) -> dict[str, bool]:
    a = next(analyzer.analyze([text]))
    return {c.cue: c.negated for c in a.cues}


def test_fold_case_keeps_length() -> None:
    text = "İstanbul ẞ ǅ Straße"
    assert len(fold_case(text)) == len(text)
    assert fold_case("HeLLo") == "hello"


@pytest.mark.parametrize("text", ["Hello THERE k", "ΑΣ Σ", "İstanbul", "miss u 😘 BABE"])
def test_fold_case_lowers_each_character_on_its_own(text: str) -> None:
    # per character, never by context: "ΑΣ".lower() would give a final sigma, which "Σ" alone is not
    expected = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    assert fold_case(text) == expected


@pytest.mark.parametrize("text", ["I miss you 😍", "שלום u r late", "e\u0301te\u0301 lah!!", "  spaced   out  "])
def test_token_offsets_point_into_the_original(analyzer: TextAnalyzer, text: str) -> None:
    a = next(analyzer.analyze([text]))
    assert a.tokens, text
    for t in a.tokens:
        assert 0 <= t.start < t.end <= len(text)
        assert text[t.start:t.end].strip() == text[t.start:t.end]


@pytest.mark.parametrize(("text", "expected"), [
    ("I-I'm so-so sorry", "  I'm    so sorry"),
    ("No-no-no, y-yeah", "      no,   yeah"),
    ("a well-known x-ray", "a well-known x-ray"),
])
def test_stammers_are_blanked_without_moving_offsets(text: str, expected: str) -> None:
    assert blank_stammers(text) == expected and len(expected) == len(text)


def test_stammered_apology_is_analysed_like_a_plain_one(analyzer: TextAnalyzer) -> None:
    stammered, plain = (next(analyzer.analyze([t])) for t in ["I-I'm so-so sorry, y-you're right",
                                                               "I'm so sorry, you're right"])
    assert [t.form for t in stammered.tokens] == [t.form for t in plain.tokens]
    assert {c.cue for c in stammered.cues} == {c.cue for c in plain.cues} and stammered.cues
    assert stammered.text == "I-I'm so-so sorry, y-you're right"
    assert [stammered.text[t.start:t.end] for t in stammered.tokens][:3] == ["I", "'m", "so"]


def test_shorthand_is_folded(analyzer: TextAnalyzer) -> None:
    forms = [t.form for t in next(analyzer.analyze(["r u ok? gud mrng"])).tokens]
    assert forms[:2] == ["be", "you"]
    assert "good" in forms and "morning" in forms


def test_negated_space_request_is_not_d1(analyzer: TextAnalyzer) -> None:
    assert _cues(analyzer, "I need space") == {"D1": False}
    assert _cues(analyzer, "I don't need space")["D1"] is True


def test_pattern_with_its_own_negation_is_not_negated(analyzer: TextAnalyzer) -> None:
    cues = _cues(analyzer, "I don't want to talk about it")
    assert cues.get("D7") is False


def test_clause_break_ends_negation(analyzer: TextAnalyzer) -> None:
    assert _cues(analyzer, "no, I need space")["D1"] is False


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("who were you texting at 2am??", "C5"),
        ("LEAVE ME ALONE", "D5"),
        ("you're so needy", "D4"),
        ("I'm sorry, I overreacted", "R1"),
        ("I'm not going anywhere, we'll figure this out", "R6"),
        ("do you still love me?", "C7"),
        ("we never spend time together anymore", "C3"),
    ],
)
def test_labeling_guide_examples_match_their_cue(analyzer: TextAnalyzer, text: str, cue: str) -> None:
    assert cue in _cues(analyzer, text)


def test_phrase_matching_finds_exactly_what_the_matcher_finds(analyzer: TextAnalyzer) -> None:
    """The fast path must not change a single cue match: compare with a plain Matcher."""
    import json

    from spacy.matcher import Matcher

    from service.paths import CORPUS_PATH

    reference = Matcher(analyzer._nlp.vocab, validate=True)
    for item in analyzer.patterns:
        reference.add(item["id"], [item["pattern"]])
    texts = [json.loads(line)["text"] for line in CORPUS_PATH.read_text(encoding="utf-8").splitlines()[::4]]
    texts += ["I don't need space", "u r so needy!!", "can we not", "Sorry sorry SORRY", "who were u with"]
    checked = 0
    for doc in analyzer._nlp.pipe(texts):
        analyzer._analyze_doc(doc, doc.text)  # sets the lemmas both matchers read
        ours = sorted(analyzer._matches(doc))
        theirs = sorted(reference(doc))
        assert ours == theirs, doc.text
        checked += len(theirs)
    assert checked > 1000


# The analysis output of each ANALYSIS_VERSION over GOLDEN_TEXTS, with the fixed patterns and
# shorthand below (a model carries its own of those). A change to tokens, offsets, folding, negation
# or matching changes the fingerprint: bump ANALYSIS_VERSION and add its line; never edit a line.
FINGERPRINTS = {
    2: "8e90b4385dac0443de3be442b9c7fffe53f9587e480de0192bcda45724337e2f",
}
GOLDEN_TEXTS = [
    "I-I'm so-so sorry, y-you're right",
    "u never listen to me!! i dont need space, I need YOU",
    "can we not do this now... I'm exhausted",
    "Oh wow, you remembered I exist 🙄",
    "miss u 😘 BABE, gd nite x",
    "İstanbul ẞ ǅ Straße — a well-known x-ray",
    "e\u0301te\u0301 lah!! wat time reach oredi?",
    "I'm not going anywhere, we'll figure this out",
    "  spaced   out  ",
    "",
]
GOLDEN_PATTERNS = [
    {"label": "D1", "id": "D1-x", "pattern": [{"LEMMA": "need"}, {"OP": "?"}, {"LEMMA": "space"}]},
    {"label": "C8", "id": "C8-x", "pattern": [{"LEMMA": "miss"}, {"LEMMA": "you"}]},
    {"label": "R1", "id": "R1-x", "pattern": [{"LEMMA": "sorry"}], "negation": "ignore"},
]
GOLDEN_SHORTHAND = {"u": "you", "gd": "good", "nite": "night", "wat": "what", "dont": "don't"}


def _fingerprint() -> str:
    analyzer = TextAnalyzer(patterns=GOLDEN_PATTERNS, shorthand=GOLDEN_SHORTHAND)
    out = [[a.folded, [[t.form, t.start, t.end, t.negated] for t in a.tokens],
            [[c.cue, c.pattern_id, c.start, c.end, c.negated, c.first_token, c.last_token] for c in a.cues]]
           for a in analyzer.analyze(GOLDEN_TEXTS)]
    return hashlib.sha256(json.dumps(out, ensure_ascii=False).encode("utf-8")).hexdigest()


def test_analysis_output_matches_its_version() -> None:
    assert FINGERPRINTS.get(ANALYSIS_VERSION) == _fingerprint(), (
        "text analysis output changed: bump training.text.ANALYSIS_VERSION and fingerprint the new version"
    )
