"""Per-doc state shared by the components, and the drug-context test they all use.

Results live in plain Python lists in ``doc.user_data["ns"]`` (not span groups) because the
extractor turns them into records right away and spans would cost more to build than the matching.
Components read token attributes from one ``Doc.to_array`` table (``Found.arr``) built once per
doc and select the few tokens they care about with numpy: iterating Token objects from Python
costs more than everything the components do with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from spacy.attrs import IDX, IS_ALPHA, IS_SPACE, LENGTH, LIKE_NUM, LOWER, ORTH
from spacy.strings import hash_string  # type: ignore[attr-defined]  # the same hash as Token.lower
from spacy.tokens import Doc

__all__ = ["Found", "clause", "found", "hash_string", "in_context", "member"]

# column order of Found.arr
ORTH_, LOWER_, IDX_, LENGTH_, LIKE_NUM_, IS_ALPHA_, IS_SPACE_ = range(7)
_COLUMNS = [ORTH, LOWER, IDX, LENGTH, LIKE_NUM, IS_ALPHA, IS_SPACE]

# (label, start_char, end_char, value, attrs)
Hit = tuple[str, int, int, str, tuple[tuple[str, str], ...]]


@dataclass(slots=True)
class Found:
    """Per-doc results: measures as normalizer objects, entity hits, token coverage."""

    text: str
    arr: np.ndarray  # (tokens, 7) uint64: ORTH, LOWER, IDX, LENGTH, LIKE_NUM, IS_ALPHA, IS_SPACE
    measures: list[object] = field(default_factory=list)
    measure_tokens: set[int] = field(default_factory=set)
    hits: list[Hit] = field(default_factory=list)
    matched_tokens: set[int] = field(default_factory=set)
    substance_ids: set[str] = field(default_factory=set)
    lang: str = ""
    boundaries: frozenset[int] | None = None
    kind: str = ""  # "listing" or "post" (set by the extractor)
    title_end: int = -1  # character offset where the title ends (-1: unknown)
    _lower: list[int] | None = None

    @property
    def lower(self) -> list[int]:
        """LOWER hashes as a Python list (set lookups on it beat numpy calls at this size)."""
        if self._lower is None:
            self._lower = self.arr[:, LOWER_].tolist()
        return self._lower


def member(values: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Boolean mask: which ``values`` are in ``sorted_keys`` (np.isin re-sorts the keys per call,
    ~100x slower on a listing-sized array)."""
    if len(sorted_keys) == 0:
        return np.zeros(len(values), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_keys, values), len(sorted_keys) - 1)
    return sorted_keys[pos] == values


def found(doc: Doc | Found) -> Found:
    """The doc's state, created on first use (caches ``doc.text``, which spaCy rebuilds from the
    tokens on every access, and the token attribute table). Passing the state itself returns it,
    so hot helpers can be handed either."""
    if isinstance(doc, Found):
        return doc
    f: Found | None = doc.user_data.get("ns")
    if f is None:
        text = doc.user_data.get("ns_text") or doc.text
        arr = doc.to_array(_COLUMNS) if len(doc) else np.zeros((0, len(_COLUMNS)), dtype=np.uint64)
        f = Found(text, arr.reshape(len(doc), len(_COLUMNS)), kind=doc.user_data.get("ns_kind", ""),
                  title_end=doc.user_data.get("ns_title_end", -1))
        doc.user_data["ns"] = f
    return f


_BOUNDARY_HASHES = np.array(sorted(hash_string(t) for t in (".", "!", "?", ";", "|", "•")), dtype=np.uint64)


def _boundaries(f: Found) -> frozenset[int]:
    """Tokens that end a clause: sentence punctuation, and whitespace tokens holding a line break
    (found with numpy: only the few whitespace tokens are looked at from Python)."""
    if f.boundaries is None:
        arr, text = f.arr, f.text
        out = set(np.nonzero(member(arr[:, ORTH_], _BOUNDARY_HASHES))[0].tolist())
        for i in np.nonzero(arr[:, IS_SPACE_])[0].tolist():
            idx = int(arr[i, IDX_])
            if "\n" in text[idx:idx + int(arr[i, LENGTH_])]:
                out.add(i)
        f.boundaries = frozenset(out)
    return f.boundaries


def clause(doc: Doc | Found, start: int, end: int, window: int) -> tuple[int, int]:
    """Token range around [start, end) up to ``window`` tokens, stopping at sentence ends and
    line breaks: context from another sentence or from the title says nothing about this word."""
    f = found(doc)
    stops = _boundaries(f)
    n = len(f.arr)
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
    f = found(doc)
    lo, hi = clause(f, start, end, window)
    lower = f.lower
    for i in range(lo, hi):
        if start <= i < end:
            continue
        if i in f.measure_tokens or i in f.matched_tokens or lower[i] in words:
            return True
    return False


class KnownHashes:
    """A growing set of token hashes with a numpy view, so a doc's tokens can be screened against
    it in one call (``mask``) instead of a Python loop. Additions land in a small pending set and
    are merged into the sorted array in batches; the set is emptied at ``limit`` (bounded memory)."""

    def __init__(self, limit: int = 200_000, merge_every: int = 64) -> None:
        self.limit = limit
        self.merge_every = merge_every
        self._arr = np.zeros(0, dtype=np.uint64)
        self._pending: set[int] = set()

    def add(self, h: int) -> None:
        self._pending.add(h)
        if len(self._pending) >= self.merge_every:
            self._merge()

    def _merge(self) -> None:
        if len(self._arr) + len(self._pending) > self.limit:
            self._arr = np.zeros(0, dtype=np.uint64)
        merged = np.concatenate([self._arr, np.fromiter(self._pending, dtype=np.uint64, count=len(self._pending))])
        self._arr = np.unique(merged)
        self._pending.clear()

    def mask(self, values: np.ndarray) -> np.ndarray:
        """True where ``values`` are known (the pending ones are checked from Python: few)."""
        known = member(values, self._arr)
        if self._pending:
            pend = self._pending
            known |= np.fromiter((v in pend for v in values.tolist()), dtype=bool, count=len(values))
        return known
