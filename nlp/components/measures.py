"""``narcoscope_measures_v1``: quantities, doses, item counts and prices in the text.

The plain-Python normalizers do the reading; tokens tell them where numbers, currency words and
word quantities ("eighth", "QP") start, so no regex scans the whole text. A reading is kept only
when it starts and ends on token boundaries: the tokenizer keeps ``3-MMC`` and ``25I-NBOMe`` whole,
so a locant can never be read as an amount.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from itertools import compress

from spacy.language import Language
from spacy.tokens import Doc

from nlp.components._doc import NUM, found, hash_string
from nlp.normalize.prices import CURRENCY_TOKENS, find_prices
from nlp.normalize.quantities import ITEM_STEM_WORDS, UNIT_ALIASES, WORD_CUE_WORDS, WORD_START_WORDS, find_amounts

FACTORY = "narcoscope_measures_v1"


def _hashes(words: object) -> frozenset[int]:
    return frozenset(hash_string(str(w)) for w in words)  # type: ignore[attr-defined]


class Measures:
    def __init__(self, *, dose_max_mg: float) -> None:
        self.dose_max_mg = dose_max_mg
        # what may follow a number for it to be an amount: a unit, an item word or a multiplier
        self.unit_set = _hashes([*UNIT_ALIASES, *ITEM_STEM_WORDS, "x", "×", "*"])
        self.times = _hashes(["x", "×"])
        self.item_set = _hashes(ITEM_STEM_WORDS)
        self.cue_set = _hashes(WORD_CUE_WORDS)
        self.word_start_set = _hashes(WORD_START_WORDS)
        self.currency_set = _hashes(CURRENCY_TOKENS)

    def __call__(self, doc: Doc) -> Doc:
        f = found(doc)
        low = f.lower
        n = len(low)
        if n == 0:
            return doc
        has_items = not self.item_set.isdisjoint(low)
        cues = not self.cue_set.isdisjoint(low)
        amount_starts: list[int] = []
        price_starts: list[int] = []
        idx, units, times, money = f.idx, self.unit_set, self.times, self.currency_set
        for i in compress(range(n), map(NUM.__and__, f.flags)):
            prev = low[i - 1] if i else 0
            nxt = low[i + 1] if i + 1 < n else 0
            if nxt in units or prev in times:
                amount_starts.append(idx[i])
            if prev in money or nxt in money or (i + 2 < n and low[i + 2] in money):
                price_starts.append(idx[i])
        if not amount_starts and not price_starts and not cues:
            return doc
        text = f.text
        items: list[object] = []
        if amount_starts or cues:
            # word quantities ("an eighth", "half oz", "QP") are kept only on token boundaries, so
            # they are read only where a token that can start one stands
            word_starts = ([idx[i] for i in compress(range(n), map(self.word_start_set.__contains__, low))]
                           if cues else [])  # read only when a cue word is present
            items += find_amounts(text, dose_max_mg=self.dose_max_mg, starts=amount_starts, has_items=has_items,
                                  word_cues=cues, word_starts=word_starts)
        if price_starts:
            items += find_prices(text, starts=price_starts)
        length = f.length
        for item in items:
            start, end = item.start, item.end  # type: ignore[attr-defined]
            lo = bisect_left(idx, start)
            hi = bisect_left(idx, end) - 1
            if lo >= n or idx[lo] != start or hi < lo or idx[hi] + length[hi] != end:
                continue  # not on token boundaries: part of a chemical name or a code
            f.measures.append(item)
            f.measure_tokens.update(range(lo, hi + 1))
        return doc


@Language.factory(FACTORY, default_config={"dose_max_mg": 60.0})
def make_measures(nlp: Language, name: str, *, dose_max_mg: float) -> Callable[[Doc], Doc]:
    return Measures(dose_max_mg=dose_max_mg)
