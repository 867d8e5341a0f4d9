"""Phrase matching on lower-case token hashes (the gazetteer and the look-alike list).

spaCy's PhraseMatcher needs a Doc per pattern, and creating the lexemes for ~12,000 gazetteer
synonyms costs seconds at every start-up; the CLI and the crawler start often. Matching works on
the same LOWER hashes the PhraseMatcher would use (``hash_string`` of the lower-cased token
text), read from ``Doc.to_array``. The tokens that can start a pattern are found with one numpy
membership test over the whole doc, so Python only loops over those few positions.
"""

from __future__ import annotations

import numpy as np

from nlp.components._doc import hash_string, member


class TokenTrie:
    """Patterns (key, tokens) grouped by first token hash, longest first."""

    def __init__(self, patterns: list[tuple[int, list[str]]]) -> None:
        by_first: dict[int, dict[tuple[int, ...], list[int]]] = {}
        for key, toks in patterns:
            seq = tuple(hash_string(t) for t in toks)
            by_first.setdefault(seq[0], {}).setdefault(seq, []).append(key)
        # first token hash -> [(length, {token-hash tuple: keys})], longest first
        self.trie: dict[int, list[tuple[int, dict[tuple[int, ...], list[int]]]]] = {}
        for first, seqs in by_first.items():
            by_len: dict[int, dict[tuple[int, ...], list[int]]] = {}
            for seq, keys in seqs.items():
                by_len.setdefault(len(seq), {})[seq] = keys
            self.trie[first] = sorted(by_len.items(), reverse=True)
        self.firsts = np.array(sorted(self.trie), dtype=np.uint64)

    def __call__(self, low: list[int], low_arr: np.ndarray) -> list[tuple[int, int, list[int]]]:
        """(start, end, pattern keys) for every match, overlapping ones included. ``low`` and
        ``low_arr`` are the doc's LOWER hashes as a list and as a numpy column."""
        trie = self.trie
        out = []
        size = len(low)
        for i in np.nonzero(member(low_arr, self.firsts))[0].tolist():
            for n, seqs in trie[low[i]]:
                if i + n <= size:
                    keys = seqs.get(tuple(low[i:i + n])) if n > 1 else seqs.get((low[i],))
                    if keys is not None:
                        out.append((i, i + n, keys))
        return out
