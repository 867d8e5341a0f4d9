"""Phrase matching on lower-case token hashes (the gazetteer and the look-alike list).

spaCy's PhraseMatcher needs a Doc per pattern, and creating the lexemes for ~12,000 gazetteer
synonyms costs seconds at every start-up; the CLI and the crawler start often. Matching works on
the same LOWER hashes the PhraseMatcher would use (``hash_string`` of the lower-cased token
text). It is one flat dict keyed by the first token hash: one C-level pass over the doc's hashes
selects the few positions whose first token starts a pattern, and Python looks only at those
(a separate ``isdisjoint`` test first would hash every token twice; a caller with several tries
screens once for all of them and passes the positions). Longer patterns are grouped under their
second token hash too, so "1", "a" or "the" (which start many multi-word names) cost one more
lookup, not one per pattern length.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from itertools import compress
from typing import Any, Generic, TypeVar

from nlp.components._doc import hash_string

V = TypeVar("V", bound=Hashable)


class TokenTrie(Generic[V]):
    """Patterns (value, tokens) grouped by first token hash, longest first. Patterns with the same
    token sequence have their values merged (by ``merge``, default: a tuple of distinct values)."""

    def __init__(self, patterns: list[tuple[V, list[str]]]) -> None:
        by_seq: dict[tuple[int, ...], list[V]] = {}
        for value, toks in patterns:
            if not toks:
                continue
            vals = by_seq.setdefault(tuple(hash_string(t) for t in toks), [])
            if value not in vals:
                vals.append(value)
        # first token hash -> (values of the one-token pattern or None (callers may replace values, see items),
        #                     {second token hash: [(length, {token-hash tuple: values})], longest first})
        self.trie: dict[int, tuple[Any, dict[int, list[tuple[int, dict[tuple[int, ...], Any]]]]]] = {}
        longer: dict[int, dict[int, dict[int, dict[tuple[int, ...], Any]]]] = {}
        singles: dict[int, tuple[V, ...]] = {}
        for seq, vals in by_seq.items():
            if len(seq) == 1:
                singles[seq[0]] = tuple(vals)
            else:
                longer.setdefault(seq[0], {}).setdefault(seq[1], {}).setdefault(len(seq), {})[seq] = tuple(vals)
        for first in singles.keys() | longer.keys():
            nexts = {second: sorted(by_len.items(), reverse=True) for second, by_len in longer.get(first, {}).items()}
            self.trie[first] = (singles.get(first), nexts)

    def items(self) -> Iterator[tuple[tuple[int, ...], Any, Callable[[Any], None]]]:
        """Every (token-hash sequence, values) with a setter that replaces the values (so callers
        can precompile what they need to know about a pattern in place)."""
        for first, (one, nexts) in list(self.trie.items()):
            if one is not None:
                yield (first,), one, functools.partial(self._set_single, first)
            for lens in nexts.values():
                for _, seqs in lens:
                    for seq, vals in list(seqs.items()):
                        yield seq, vals, functools.partial(seqs.__setitem__, seq)

    def _set_single(self, first: int, value: Any) -> None:
        self.trie[first] = (value, self.trie[first][1])

    def __call__(self, low: Sequence[int], positions: Iterable[int] | None = None) -> list[tuple[int, int, Any]]:
        """(start, end, values) for every match, overlapping ones included; ``low`` is the doc's
        LOWER hashes. ``positions``: where to look (a superset of the positions whose token
        starts a pattern, in order), when the caller screened the doc for several tries at once."""
        trie = self.trie
        out: list[tuple[int, int, Any]] = []
        size = len(low)
        if positions is None:  # the tokens that start a pattern, selected at C speed
            positions = compress(range(size), map(trie.__contains__, low))
        for i in positions:
            node = trie.get(low[i])
            if node is None:
                continue
            one, nexts = node
            if i + 1 < size and (lens := nexts.get(low[i + 1])) is not None:
                for n, seqs in lens:
                    if i + n <= size:
                        vals = seqs.get(tuple(low[i:i + n]))
                        if vals is not None:
                            out.append((i, i + n, vals))
            if one is not None:
                out.append((i, i + 1, one))
        return out
