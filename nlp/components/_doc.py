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
from spacy.attrs import IDX, IS_ALPHA, LENGTH, LIKE_NUM, LOWER, ORTH
from spacy.strings import hash_string  # type: ignore[attr-defined]  # the same hash as Token.lower
from spacy.tokens import Doc

__all__ = ["Found", "clause", "found", "hash_string", "in_context", "member"]

# column order of Found.arr
ORTH_, LOWER_, IDX_, LENGTH_, LIKE_NUM_, IS_ALPHA_ = range(6)
_COLUMNS = [ORTH, LOWER, IDX, LENGTH, LIKE_NUM, IS_ALPHA]

# (label, start_char, end_char, value, attrs)
Hit = tuple[str, int, int, str, tuple[tuple[str, str], ...]]


@dataclass(slots=True)
class Found:
    """Per-doc results: measures as normalizer objects, entity hits, token coverage."""

    text: str
    arr: np.ndarray  # (tokens, 6) uint64: ORTH, LOWER, IDX, LENGTH, LIKE_NUM, IS_ALPHA
    measures: list[object] = field(default_factory=list)
    measure_tokens: set[int] = field(default_factory=set)
    hits: list[Hit] = field(default_factory=list)
    matched_tokens: set[int] = field(default_factory=set)
    substance_ids: set[str] = field(default_factory=set)
    lang: str = ""
    boundaries: frozenset[int] | None = None
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


def found(doc: Doc) -> Found:
    """The doc's state, created on first use (caches ``doc.text``, which spaCy rebuilds from the
    tokens on every access, and the token attribute table)."""
    f: Found | None = doc.user_data.get("ns")
    if f is None:
        text = doc.user_data.get("ns_text") or doc.text
        arr = doc.to_array(_COLUMNS) if len(doc) else np.zeros((0, len(_COLUMNS)), dtype=np.uint64)
        f = Found(text, arr.reshape(len(doc), len(_COLUMNS)))
        doc.user_data["ns"] = f
    return f


_BOUNDARY_TEXT = frozenset({".", "!", "?", ";", "|", "•"})


def _boundaries(doc: Doc, f: Found) -> frozenset[int]:
    if f.boundaries is None:
        text = f.text
        out = set()
        arr = f.arr
        rows = np.nonzero(arr[:, IS_ALPHA_] == 0)[0]
        for i, idx, length in zip(rows.tolist(), arr[rows, IDX_].tolist(), arr[rows, LENGTH_].tolist(), strict=True):
            tok = text[idx:idx + length]
            if tok in _BOUNDARY_TEXT or "\n" in tok:
                out.add(i)
        f.boundaries = frozenset(out)
    return f.boundaries


def clause(doc: Doc, start: int, end: int, window: int) -> tuple[int, int]:
    """Token range around [start, end) up to ``window`` tokens, stopping at sentence ends and
    line breaks: context from another sentence or from the title says nothing about this word."""
    stops = _boundaries(doc, found(doc))
    lo = start
    while lo > 0 and start - lo < window and (lo - 1) not in stops:
        lo -= 1
    hi = end
    while hi < len(doc) and hi - end < window and hi not in stops:
        hi += 1
    return lo, hi


def in_context(doc: Doc, start: int, end: int, window: int, words: frozenset[int]) -> bool:
    """True when a measure, a drug word (``words``: LOWER hashes) or a known substance stands
    within ``window`` tokens in the same sentence."""
    f = found(doc)
    lo, hi = clause(doc, start, end, window)
    lower = f.lower
    for i in range(lo, hi):
        if start <= i < end:
            continue
        if i in f.measure_tokens or i in f.matched_tokens or lower[i] in words:
            return True
    return False
