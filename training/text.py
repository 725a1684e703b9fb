"""Text analysis shared by training and serving: spaCy tokens, folded lemmas, negation, cue matches.

One `TextAnalyzer` turns a message into tokens with character offsets and the taxonomy's cue
matches, so every feature can be traced back to a span of the original text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

NEGATORS = frozenset(
    {"not", "no", "never", "n't", "nothing", "nobody", "noone", "nowhere", "neither", "nor",
     "without", "hardly", "cannot", "dont", "don't", "cant", "can't", "wont", "won't", "didnt",
     "didn't", "doesnt", "doesn't", "isnt", "isn't", "nt", "nvr", "neva"}
)
CLAUSE_BREAKS = frozenset({".", ",", "!", "?", ";", ":", "but", "and", "so", "or", "because",
                           "though", "although", "...", "..", "—", "-", "lol", "haha"})
NEGATION_SCOPE = 4  # tokens after a negator that it can reach, within one clause
# How text is analysed: tokens, their offsets and forms, case folding, negation scope. A model
# stores the version it was trained under and will not serve under another, because its features
# would silently differ. Cue patterns and shorthand are not covered: a model carries its own.
# Bump this with any change to that output; tests/training/test_text.py fingerprints the output of
# each version, so a change made without a bump fails there. 2: stammers blanked before tokenizing.
ANALYSIS_VERSION = 2
# A spoken stammer: a short start of a word, a hyphen, then the word itself ("I-I'm", "y-yeah",
# "you-you", "no-no-no"). Transcribed speech is full of them; as written, the hyphen splits the
# line into clauses and leaves "I'm" unsplit, so a stammered apology reads unlike a plain one.
STAMMER = re.compile(r"\b([a-z]{1,3})-(?=\1)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its normalised form, character span in the original text, negation scope."""

    form: str
    start: int
    end: int
    negated: bool


@dataclass(frozen=True, slots=True)
class CueMatch:
    """A taxonomy cue found in a message; `negated` when a negator governs it ("don't need space")."""

    cue: str
    pattern_id: str
    start: int
    end: int
    negated: bool
    first_token: int
    last_token: int


@dataclass(frozen=True, slots=True)
class Analysis:
    """`text` is the message as sent; `folded` is what was tokenized, case-folded (stammers
    blanked): the same length, so any token's offsets index either."""

    text: str
    folded: str
    tokens: tuple[Token, ...]
    cues: tuple[CueMatch, ...]


def load_patterns(patterns_dir: Path) -> list[dict[str, Any]]:
    """Every `{label, id, pattern[, negation]}` line of `patterns_dir/*.jsonl`, in a stable order."""
    patterns: list[dict[str, Any]] = []
    for path in sorted(patterns_dir.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path.name} line {n}: not JSON ({e.msg})") from e
            patterns.append(item)
    return patterns


def load_shorthand(path: Path) -> dict[str, str]:
    table = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in table.items() if not k.startswith("_")}


def blank_stammers(text: str) -> str:
    """The text with each stammer's repeated start blanked by spaces: same length, so every token
    offset still points into the original, and "I-I'm sorry" is analysed as "I'm sorry"."""
    if "-" not in text:
        return text
    return STAMMER.sub(lambda m: " " * len(m.group(0)), text)


def fold_case(text: str) -> str:
    """Lower-case without changing the string's length, so offsets stay valid."""
    if text.isascii():  # the usual case, and ASCII lower-casing maps each character to one
        return text.lower()
    return "".join(c if len(low := c.lower()) != 1 else low for c in text)


class TextAnalyzer:
    """spaCy `blank("en")` with the lookup lemmatizer, texting shorthand folded, and the cue Matcher."""

    def __init__(self, *, patterns: Sequence[dict[str, Any]], shorthand: dict[str, str]) -> None:
        self.patterns = list(patterns)
        self.shorthand = dict(shorthand)
        self._nlp = _blank_pipeline()
        self._lemma_lookup = self._nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
        self._matcher = Matcher(self._nlp.vocab, validate=True)
        # Patterns that are only fixed lemma sequences run on the much faster PhraseMatcher;
        # the result is the same set of matches (tested), the data stays in Matcher form.
        self._phrases = PhraseMatcher(self._nlp.vocab, attr="LEMMA")
        self._negation_policy: dict[str, str] = {}
        self._cue_of: dict[str, str] = {}
        for item in self.patterns:
            key = item["id"]
            phrases = _as_phrases(item["pattern"])
            if phrases is None:
                self._matcher.add(key, [item["pattern"]])
            else:
                self._phrases.add(key, [self._phrase_doc(words) for words in phrases])
            self._negation_policy[key] = item.get("negation", "check")
            self._cue_of[key] = item["label"]

    def _phrase_doc(self, words: Sequence[str]) -> Doc:
        doc = Doc(self._nlp.vocab, words=list(words))
        for token in doc:
            token.lemma_ = token.text
        return doc

    def _matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        found = self._phrases(doc)
        if len(self._matcher):
            found += self._matcher(doc)
        return found

    def analyze(self, texts: Iterable[str]) -> Iterator[Analysis]:
        texts = list(texts)
        for text, doc in zip(texts, self._nlp.pipe(map(blank_stammers, texts), batch_size=256), strict=True):
            yield self._analyze_doc(doc, text)

    def _normal_form(self, lower: str) -> str:
        word = self.shorthand.get(lower, lower)
        return self._lemma_lookup.get(word, word).lower()

    def _analyze_doc(self, doc: Doc, text: str) -> Analysis:
        toks = list(doc)
        lowers = [t.lower_ for t in toks]
        forms = [self._normal_form(low) for low in lowers]
        for tok, form in zip(toks, forms, strict=True):
            tok.lemma_ = form
        negated = _negation_scope(lowers, forms)
        # Whitespace tokens are dropped; `pos` maps a doc index to the kept tokens' index.
        keep = [i for i, t in enumerate(toks) if not t.is_space]
        pos = {old: new for new, old in enumerate(keep)}
        tokens = tuple(
            Token(forms[i], toks[i].idx, toks[i].idx + len(toks[i].text), negated[i]) for i in keep
        )
        cues = []
        for match_id, start, end in self._matches(doc):
            key = self._nlp.vocab.strings[match_id]
            is_neg = self._negation_policy[key] == "check" and _governed_by_negator(forms, start)
            first, last = toks[start], toks[end - 1]
            cues.append(CueMatch(self._cue_of[key], key, first.idx, last.idx + len(last.text), is_neg,
                                 pos.get(start, 0), pos.get(end - 1, len(keep) - 1)))
        return Analysis(text, fold_case(doc.text), tokens, tuple(sorted(cues, key=lambda c: (c.start, c.cue))))


def _as_phrases(pattern: Sequence[dict[str, Any]], limit: int = 256) -> list[list[str]] | None:
    """Every fixed word sequence a Matcher pattern can match, or None when it is not that simple.

    Handled: tokens matching one LEMMA or a LEMMA `IN` list, optionally with `"OP": "?"`. Anything
    else (wildcards, other attributes or operators) stays with the Matcher.
    """
    sequences: list[list[str]] = [[]]
    for token in pattern:
        op = token.get("OP")
        spec = {k: v for k, v in token.items() if k != "OP"}
        if op not in (None, "?") or set(spec) != {"LEMMA"}:
            return None
        value = spec["LEMMA"]
        if isinstance(value, str):
            options = [value]
        elif isinstance(value, dict) and set(value) == {"IN"}:
            options = list(value["IN"])
        else:
            return None
        grown = [[*seq, word] for seq in sequences for word in options]
        sequences = grown + (sequences if op == "?" else [])
        if len(sequences) > limit:
            return None
    sequences = [seq for seq in sequences if seq]
    return sequences or None


def _blank_pipeline() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    try:
        nlp.initialize()
    except Exception as e:  # the lookup tables come from spacy-lookups-data
        raise RuntimeError("spaCy lookup tables are missing: install spacy-lookups-data") from e
    # Matching runs on our own lemmas (set per doc), so the lemmatizer itself need not run.
    nlp.disable_pipe("lemmatizer")
    return nlp


def _negation_scope(lowers: Sequence[str], forms: Sequence[str]) -> list[bool]:
    out = [False] * len(forms)
    remaining = 0
    for i, (low, form) in enumerate(zip(lowers, forms, strict=True)):
        if low in CLAUSE_BREAKS or form in CLAUSE_BREAKS:
            remaining = 0
            continue
        if low in NEGATORS or form in NEGATORS:
            remaining = NEGATION_SCOPE
            continue
        if remaining:
            out[i] = True
            remaining -= 1
    return out


def _governed_by_negator(forms: Sequence[str], start: int) -> bool:
    for j in range(start - 1, max(start - 1 - NEGATION_SCOPE, -1), -1):
        if forms[j] in CLAUSE_BREAKS:
            return False
        if forms[j] in NEGATORS:
            return True
    return False
