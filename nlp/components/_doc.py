"""Per-doc state shared by the components, and the drug-context test they all use.

Results live in plain Python lists in ``doc.user_data["ns"]`` (not span groups) because the
extractor turns them into records right away and spans would cost more to build than the matching.

Token data is read once per doc as plain Python sequences (``Found.orth``, ``lower``, ``idx``,
``length``, ``flags``): one ``Doc.to_array([ORTH, IDX])`` call (C reads of the token structs),
then one dict lookup per token in the pipeline's :class:`Lexicon`, a memo keyed by the ORTH hash
of what a token string is: its LOWER hash, its length and its flag bits (like_num, is_alpha, what
the measures ask, and one bit per screen a component registered: "starts a gazetteer name", "has
NPS morphology", "is a known misspelling"). LOWER and LENGTH belong to the string (spaCy reads
them from the lexeme), so the memo answers them too: every column ``to_array`` reads and
``tolist`` converts costs ~3.5 µs a listing, more than taking them from the memo entry (a ``zip``).
Asking spaCy for the lexeme flags through Token objects per doc costs more than all the
matching; a token string is described once per process (the memo is bounded), and hashes are
stable across ``nlp.memory_zone()``. A component whose screen bit no token of the doc has
(``Found.present``, the OR of the doc's flags) is done without looking at a token: each pass over
a doc's token hashes costs ~100 ns a token (dict probes), a sizeable share of the budget.
Reading the token data and listing the tokens with a flag bit are the two loops every doc runs
through; in Python they cost ~100 ns a token, a tenth of the pipeline, so ``nlp/_tokendata.c``
runs them (:func:`read_tokens`, :func:`positions`). Without a C compiler the package installs
without it and the same loops run in Python (``tests/nlp/test_nlp_fastpath.py`` checks both agree).
Components then work on these lists with set and dict lookups: on listing-sized docs (~70 tokens)
that beats numpy, whose per-call overhead dominates arrays this small.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from spacy.attrs import IDX, ORTH
from spacy.language import Language
from spacy.strings import hash_string  # type: ignore[attr-defined]  # the same hash as Token.lower
from spacy.tokens import Doc

from nlp.normalize.prices import CURRENCY_TOKENS
from nlp.normalize.quantities import ITEM_STEM_WORDS, UNIT_ALIASES, WORD_CUE_WORDS, WORD_START_WORDS

__all__ = ["ALPHA", "CUE", "ITEM", "MONEY", "NUM", "SPACE", "STOP", "TIMES", "UNIT", "WORD_START", "Found",
           "Lexicon", "clause", "found", "hash_string", "in_context", "lexicon_of", "positions"]

# Found.flags bits
NUM, ALPHA, SPACE, STOP = 1, 2, 4, 8  # like_num, is_alpha, is_space, ends a clause
# what the measures component asks of a token's lower-case text, decided once per token string:
# a unit, item word or multiplier (may follow a number in an amount), a multiplier, a currency,
# an item word, a word-quantity cue, a token a word quantity can start with
UNIT, TIMES, MONEY, ITEM, CUE, WORD_START = 16, 32, 64, 128, 256, 512
_FIRST_SCREEN = 1024  # bits from here on: the screens components register (Lexicon.screen)
_LOWER_BITS: tuple[tuple[int, frozenset[str]], ...] = (
    (UNIT, frozenset([*UNIT_ALIASES, *ITEM_STEM_WORDS, "x", "×", "*"])), (TIMES, frozenset(["x", "×"])),
    (MONEY, frozenset(CURRENCY_TOKENS)), (ITEM, ITEM_STEM_WORDS), (CUE, WORD_CUE_WORDS),
    (WORD_START, WORD_START_WORDS),
)
_STOP_ORTH = frozenset((".", "!", "?", ";", "|", "•"))
_COLUMNS = [ORTH, IDX]  # per token; LOWER and LENGTH are per string (Lexicon.tokens)
_LEXICON_MAX = 200_000  # token strings a lexicon describes before it is emptied (~60 MB at most)

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
    flags: Sequence[int]  # NUM | ALPHA | SPACE | STOP | UNIT | TIMES | MONEY | ITEM | CUE | WORD_START | screen bits
    present: int = 0  # every bit some token has (the OR of ``flags``)
    lexicon: Lexicon | None = None  # what described the token strings (whose screens ``flags`` has bits of)
    measures: list[object] = field(default_factory=list)
    measure_tokens: set[int] = field(default_factory=set)
    hits: list[Hit] = field(default_factory=list)
    matched_tokens: set[int] = field(default_factory=set)
    substance_ids: set[str] = field(default_factory=set)
    lang: str = ""
    boundaries: frozenset[int] | None = None
    kind: str = ""  # "listing" or "post" (set by the extractor)
    title_end: int = -1  # character offset where the title ends (-1: unknown)

    # explicit __init__ (and __reduce__, when pickled): why, in nlp/_fast.py
    def __init__(self, text: str, orth: Sequence[int], lower: Sequence[int], idx: Sequence[int],
                 length: Sequence[int], flags: Sequence[int], present: int = 0, lexicon: Lexicon | None = None,
                 measures: list[object] | None = None, measure_tokens: set[int] | None = None,
                 hits: list[Hit] | None = None, matched_tokens: set[int] | None = None,
                 substance_ids: set[str] | None = None, lang: str = "", boundaries: frozenset[int] | None = None,
                 kind: str = "", title_end: int = -1) -> None:
        self.text = text
        self.orth = orth
        self.lower = lower
        self.idx = idx
        self.length = length
        self.flags = flags
        self.present = present
        self.lexicon = lexicon
        self.measures = [] if measures is None else measures
        self.measure_tokens = set() if measure_tokens is None else measure_tokens
        self.hits = [] if hits is None else hits
        self.matched_tokens = set() if matched_tokens is None else matched_tokens
        self.substance_ids = set() if substance_ids is None else substance_ids
        self.lang = lang
        self.boundaries = boundaries
        self.kind = kind
        self.title_end = title_end

    def __reduce__(self) -> tuple[type[Found], tuple[object, ...]]:
        return Found, (self.text, self.orth, self.lower, self.idx, self.length, self.flags, self.present, self.lexicon,
                       self.measures, self.measure_tokens, self.hits, self.matched_tokens, self.substance_ids,
                       self.lang, self.boundaries, self.kind, self.title_end)

    def end(self, i: int) -> int:
        """Character offset where token ``i`` ends."""
        return self.idx[i] + self.length[i]


# a token string's screen: (token text, its lower-case form, its NUM/ALPHA/... bits) -> True when
# the component that registered it wants to look at the token
Screen = Callable[[str, str, int], bool]


class Lexicon:
    """A pipeline's memo of token strings: ORTH hash -> (flag bits, the screens' bits included;
    LOWER hash; length in characters).

    One per pipeline (:func:`lexicon_of`), because the screens depend on the pipeline's gazetteer
    and settings; emptied when it reaches ``limit`` entries (bounded memory for long crawls).
    """

    def __init__(self, limit: int = _LEXICON_MAX) -> None:
        self.limit = limit
        self.tokens: dict[int, tuple[int, int, int]] = {}
        self.screens: list[tuple[int, Screen]] = []

    def screen(self, test: Screen) -> int:
        """Register ``test`` and return its bit (tokens whose string passes it have it set)."""
        bit = _FIRST_SCREEN << len(self.screens)
        self.screens.append((bit, test))
        self.tokens.clear()  # strings described before lack the new bit
        return bit

    def read(self, doc: Doc, orth: Sequence[int]) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        """(flag bits, LOWER hashes, lengths) of the doc's tokens: one C-level pass, describing
        new token strings first."""
        if not orth:
            return (), (), ()
        memo = self.tokens
        try:
            flags, lower, length = zip(*map(memo.__getitem__, orth), strict=True)
        except KeyError:  # token strings met for the first time
            self._describe(doc, orth)
            flags, lower, length = zip(*map(memo.__getitem__, orth), strict=True)
        return flags, lower, length

    def flags_of(self, doc: Doc, orth: Sequence[int]) -> tuple[int, ...]:
        """The flag bits of each token."""
        return self.read(doc, orth)[0]

    def _describe(self, doc: Doc, orth: Sequence[int]) -> None:
        memo = self.tokens
        if len(memo) + len(orth) >= self.limit:
            memo.clear()
        for i, h in enumerate(orth):
            if h in memo:
                continue
            tok = doc[i]
            text = tok.text
            flags = (NUM if tok.like_num else 0) | (ALPHA if tok.is_alpha else 0)
            if tok.is_space:
                flags |= SPACE | (STOP if "\n" in text else 0)
            elif text in _STOP_ORTH:
                flags |= STOP
            low = tok.lower_
            for bit, words in _LOWER_BITS:
                if low in words:
                    flags |= bit
            for bit, test in self.screens:
                if test(text, low, flags):
                    flags |= bit
            memo[h] = (flags, tok.lower, len(tok))


_PLAIN = Lexicon()  # for docs read outside a pipeline's components (no screens)
_LEXICONS: weakref.WeakKeyDictionary[Language, Lexicon] = weakref.WeakKeyDictionary()


def lexicon_of(nlp: Language) -> Lexicon:
    """The pipeline's lexicon, which its components register their screens with."""
    lexicon = _LEXICONS.get(nlp)
    if lexicon is None:
        lexicon = _LEXICONS[nlp] = Lexicon()
    return lexicon


def found(doc: Doc | Found, lexicon: Lexicon | None = None) -> Found:
    """The doc's state, created on first use (caches ``doc.text``, which spaCy rebuilds from the
    tokens on every access, and the token lists). Passing the state itself returns it, so hot
    helpers can be handed either. Components pass their pipeline's ``lexicon``: a state made
    with another (or none) gets its flags described again, with that lexicon's screens."""
    if isinstance(doc, Found):
        return doc
    data = doc.user_data
    f: Found | None = data.get("ns")
    if f is None:
        lex = lexicon or _PLAIN
        text = data.get("ns_text") or doc.text
        if len(doc):
            orth, idx, columns, present = read_tokens(lex.tokens, doc.to_array(_COLUMNS))
            if columns is None:  # token strings met for the first time
                columns = lex.read(doc, orth)
                present = _present(columns[0])
            flags, lower, length = columns
        else:
            orth, idx, lower, length, flags, present = [], [], (), (), (), 0
        f = Found(text, orth, lower, idx, length, flags, present, lex, kind=data.get("ns_kind", ""),
                  title_end=data.get("ns_title_end", -1))
        data["ns"] = f
    elif lexicon is not None and f.lexicon is not lexicon:
        f.flags = lexicon.flags_of(doc, f.orth)
        f.present, f.lexicon = _present(f.flags), lexicon
    return f


def _present(flags: Sequence[int]) -> int:
    present = 0
    for fl in set(flags):  # a C-level pass, then a few ORs
        present |= fl
    return present


# (ORTH hashes, offsets, (flag bits, LOWER hashes, lengths) or None, the OR of the flag bits)
TokenData = tuple[list[int], list[int], "tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]] | None", int]


def py_read_tokens(memo: dict[int, tuple[int, int, int]], columns: NDArray[np.uint64]) -> TokenData:
    """(orth, idx, (flags, lower, length), present) of a doc's token columns (``Doc.to_array([ORTH,
    IDX])``), the memo answering per token string; (None, 0) in place of the last two when a string
    is not in the memo yet."""
    if not len(columns):
        return [], [], ((), (), ()), 0
    orth, idx = columns.T.tolist()
    try:
        flags, lower, length = zip(*map(memo.__getitem__, orth), strict=True)
    except KeyError:
        return orth, idx, None, 0
    return orth, idx, (flags, lower, length), _present(flags)


def py_positions(flags: Sequence[int], bit: int) -> list[int]:
    """Indices of the tokens whose flags have ``bit``."""
    return [i for i, fl in enumerate(flags) if fl & bit]


try:
    from nlp._tokendata import positions, read_tokens
except ImportError:  # built without a C compiler
    positions, read_tokens = py_positions, py_read_tokens


def _boundaries(f: Found) -> frozenset[int]:
    """Tokens that end a clause: sentence punctuation, and whitespace tokens holding a line break."""
    if f.boundaries is None:
        f.boundaries = frozenset(positions(f.flags, STOP))
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
