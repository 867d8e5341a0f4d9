"""Per-doc state shared by the components, and the drug-context test they all use.

Results live in plain Python lists in ``doc.user_data["ns"]`` (not span groups) because the
extractor turns them into records right away and spans would cost more to build than the matching.

Token data is read once per doc as plain Python sequences (``Found.orth``, ``lower``, ``idx``,
``length``, ``flags``): one ``Doc.to_array([ORTH, IDX, LOWER, LENGTH])`` call (C reads of the
token and lexeme structs), then one dict lookup per token in a lexical memo (``LEX_FLAGS``) keyed
by the ORTH hash, which holds the flag bits of a token string (like_num, is_alpha, what the
measures ask). Asking spaCy for the lexeme flags through Token objects per doc costs more than
all the matching; a token string is described once per process (the memo is bounded), and hashes
are stable across ``nlp.memory_zone()``.
Components then work on these lists with set and dict lookups: on listing-sized docs (~70 tokens)
that beats numpy, whose per-call overhead dominates arrays this small.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import compress, repeat

from spacy.attrs import IDX, LENGTH, LOWER, ORTH
from spacy.strings import hash_string  # type: ignore[attr-defined]  # the same hash as Token.lower
from spacy.tokens import Doc

from nlp.normalize.prices import CURRENCY_TOKENS
from nlp.normalize.quantities import ITEM_STEM_WORDS, UNIT_ALIASES, WORD_CUE_WORDS, WORD_START_WORDS

__all__ = ["ALPHA", "CUE", "ITEM", "MONEY", "NUM", "SPACE", "STOP", "TIMES", "UNIT", "WORD_START", "Found",
           "KnownHashes", "clause", "found", "hash_string", "in_context"]

# Found.flags bits
NUM, ALPHA, SPACE, STOP = 1, 2, 4, 8  # like_num, is_alpha, is_space, ends a clause
# what the measures component asks of a token's lower-case text, decided once per token string:
# a unit, item word or multiplier (may follow a number in an amount), a multiplier, a currency,
# an item word, a word-quantity cue, a token a word quantity can start with
UNIT, TIMES, MONEY, ITEM, CUE, WORD_START = 16, 32, 64, 128, 256, 512
_LOWER_BITS: tuple[tuple[int, frozenset[str]], ...] = (
    (UNIT, frozenset([*UNIT_ALIASES, *ITEM_STEM_WORDS, "x", "×", "*"])), (TIMES, frozenset(["x", "×"])),
    (MONEY, frozenset(CURRENCY_TOKENS)), (ITEM, ITEM_STEM_WORDS), (CUE, WORD_CUE_WORDS),
    (WORD_START, WORD_START_WORDS),
)
_STOP_ORTH = frozenset((".", "!", "?", ";", "|", "•"))
_COLUMNS = [ORTH, IDX, LOWER, LENGTH]
# ORTH hash -> flag bits: a doc's flags are ``tuple(map(LEX_FLAGS.__getitem__, orth))``, C-level;
# emptied when it reaches _LEXICON_MAX (bounded memory)
LEX_FLAGS: dict[int, int] = {}
_LEXICON_MAX = 200_000  # ~40 MB at most

# (label, start_char, end_char, value, attrs)
Hit = tuple[str, int, int, str, tuple[tuple[str, str], ...]]


@dataclass(slots=True)
class Found:
    """Per-doc results: measures as normalizer objects, entity hits, token coverage."""

    text: str
    orth: Sequence[int]  # ORTH hash per token
    lower: Sequence[int]  # LOWER hash per token
    idx: Sequence[int]  # character offset per token
    length: Sequence[int]  # characters per token
    flags: Sequence[int]  # NUM | ALPHA | SPACE | STOP | UNIT | TIMES | MONEY | ITEM | CUE | WORD_START bits
    measures: list[object] = field(default_factory=list)
    measure_tokens: set[int] = field(default_factory=set)
    hits: list[Hit] = field(default_factory=list)
    matched_tokens: set[int] = field(default_factory=set)
    substance_ids: set[str] = field(default_factory=set)
    lang: str = ""
    boundaries: frozenset[int] | None = None
    kind: str = ""  # "listing" or "post" (set by the extractor)
    title_end: int = -1  # character offset where the title ends (-1: unknown)

    def end(self, i: int) -> int:
        """Character offset where token ``i`` ends."""
        return self.idx[i] + self.length[i]


def _describe(doc: Doc, orth: list[int]) -> None:
    """Add the doc's token strings that are not in the lexical memo yet."""
    if len(LEX_FLAGS) + len(orth) >= _LEXICON_MAX:
        LEX_FLAGS.clear()
    for i, h in enumerate(orth):
        if h in LEX_FLAGS:
            continue
        tok = doc[i]
        flags = (NUM if tok.like_num else 0) | (ALPHA if tok.is_alpha else 0)
        if tok.is_space:
            flags |= SPACE | (STOP if "\n" in tok.text else 0)
        elif tok.text in _STOP_ORTH:
            flags |= STOP
        low = tok.lower_
        for bit, words in _LOWER_BITS:
            if low in words:
                flags |= bit
        LEX_FLAGS[h] = flags


def found(doc: Doc | Found) -> Found:
    """The doc's state, created on first use (caches ``doc.text``, which spaCy rebuilds from the
    tokens on every access, and the token lists). Passing the state itself returns it, so hot
    helpers can be handed either."""
    if isinstance(doc, Found):
        return doc
    data = doc.user_data
    f: Found | None = data.get("ns")
    if f is None:
        text = data.get("ns_text") or doc.text
        if len(doc):
            orth, idx, lower, length = doc.to_array(_COLUMNS).T.tolist()
            try:
                flags = tuple(map(LEX_FLAGS.__getitem__, orth))
            except KeyError:  # token strings met for the first time
                _describe(doc, orth)
                flags = tuple(map(LEX_FLAGS.__getitem__, orth))
        else:
            orth, idx, lower, length, flags = [], [], [], [], ()
        f = Found(text, orth, lower, idx, length, flags, kind=data.get("ns_kind", ""),
                  title_end=data.get("ns_title_end", -1))
        data["ns"] = f
    return f


def _boundaries(f: Found) -> frozenset[int]:
    """Tokens that end a clause: sentence punctuation, and whitespace tokens holding a line break."""
    if f.boundaries is None:
        f.boundaries = frozenset(compress(range(len(f.flags)), map(STOP.__and__, f.flags)))
    return f.boundaries


def clause(doc: Doc | Found, start: int, end: int, window: int) -> tuple[int, int]:
    """Token range around [start, end) up to ``window`` tokens, stopping at sentence ends and
    line breaks: context from another sentence or from the title says nothing about this word."""
    f = doc if type(doc) is Found else found(doc)  # helpers are mostly handed the state itself
    stops = _boundaries(f)
    n = len(f.orth)
    lo = start
    while lo > 0 and start - lo < window and (lo - 1) not in stops:
        lo -= 1
    hi = end
    while hi < n and hi - end < window and hi not in stops:
        hi += 1
    return lo, hi


def in_context(doc: Doc | Found, start: int, end: int, window: int, words: frozenset[int]) -> bool:
    """True when a measure, a drug word (``words``: LOWER hashes) or a known substance stands
    within ``window`` tokens in the same sentence."""
    f = doc if type(doc) is Found else found(doc)
    lo, hi = clause(f, start, end, window)
    lower = f.lower
    for i in range(lo, hi):
        if start <= i < end:
            continue
        if i in f.measure_tokens or i in f.matched_tokens or lower[i] in words:
            return True
    return False


_UNSEEN = object()  # the verdict of a hash not met yet
_NOTHING_HERE = {None}


class KnownHashes:
    """A bounded memo of token hashes -> verdict (None for "nothing here"), so a doc's tokens are
    screened with one C-level pass (``settled``; ``unseen`` when some are new) and a lookup per
    interesting token. Emptied at ``limit`` entries (bounded memory for long-running crawlers)."""

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self.verdicts: dict[int, object] = {}
        self.positive: set[int] = set()  # hashes whose verdict is not None

    def settled(self, hashes: Sequence[int]) -> bool:
        """True when every hash has a verdict and none is positive: the usual doc, told apart in
        one C-level pass (a set of the verdicts) instead of ``unseen`` and then ``positive``."""
        return set(map(self.verdicts.get, hashes, repeat(_UNSEEN))) == _NOTHING_HERE

    def unseen(self, hashes: Sequence[int]) -> set[int]:
        verdicts = self.verdicts
        if all(map(verdicts.__contains__, hashes)):  # the usual case, without a set of the doc's hashes
            return set()
        return set(hashes).difference(verdicts)

    def put(self, h: int, verdict: object) -> None:
        if len(self.verdicts) >= self.limit:
            self.verdicts.clear()
            self.positive.clear()
        self.verdicts[h] = verdict
        if verdict is not None:
            self.positive.add(h)
