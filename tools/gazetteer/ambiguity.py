"""Decide which synonyms need drug context before they count as a mention.

Why: lexicon slang is full of everyday words ("candy", "ice", "girl", "work") and 1-2 letter
codes ("h", "k", "x"). A synonym is flagged ``ambiguous`` when it is short, numeric, or made
only of common English/Spanish words (``common_words.txt``, from wordfreq). Names the curators
wrote as names/brands are trusted unless listed under ``amb``; a phrase that contains a drug
name ("hillbilly heroin") carries its own context and is not flagged.
"""

from __future__ import annotations

import re
from pathlib import Path

from tools.gazetteer.normalize import match_key

_NUMERIC = re.compile(r"^\d+(s|mg)?$")
_TOKEN = re.compile(r"[^\W_]+")


def load_common_words(path: Path) -> frozenset[str]:
    """Read the word list (comments start with ``#``)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


class AmbiguityJudge:
    """Flags ambiguous synonyms; ``drug_tokens`` are words that are themselves drug names."""

    def __init__(self, common_words: frozenset[str], drug_tokens: frozenset[str]) -> None:
        self.common = common_words
        self.drug_tokens = drug_tokens

    def short_or_numeric(self, text: str) -> bool:
        """1-2 significant characters ("h", "x", "k2") or a bare number ("420", "30s")."""
        key = match_key(text)
        return len(key) <= 2 or bool(_NUMERIC.match(key))

    def everyday(self, text: str) -> bool:
        """All words common, and none of them a drug name."""
        tokens = _TOKEN.findall(text.casefold())
        if not tokens or any(t in self.drug_tokens for t in tokens):
            return False
        return all(t in self.common or t.isdigit() or len(t) <= 2 for t in tokens)

    def is_ambiguous(self, text: str, *, trusted: bool) -> bool:
        """``trusted`` synonyms (curated names/brands) are only checked for length/number."""
        if self.short_or_numeric(text):
            return True
        return not trusted and self.everyday(text)
