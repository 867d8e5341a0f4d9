"""``narcoscope_measures_v1``: quantities, doses, item counts and prices in the text.

The plain-Python normalizers do the reading; tokens tell them where numbers, currency words and
word quantities ("eighth", "QP") start, so no regex scans the whole text. A reading is kept only
when it starts and ends on token boundaries: the tokenizer keeps ``3-MMC`` and ``25I-NBOMe`` whole,
so a locant can never be read as an amount.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc

from nlp.components._doc import IDX_, LENGTH_, LIKE_NUM_, found, hash_string
from nlp.normalize.prices import CURRENCY_TOKENS, find_prices
from nlp.normalize.quantities import ITEM_STEM_WORDS, UNIT_ALIASES, WORD_CUE_WORDS, find_amounts

FACTORY = "narcoscope_measures_v1"


def _hashes(words: object) -> np.ndarray:
    return np.array(sorted({hash_string(str(w)) for w in words}), dtype=np.uint64)  # type: ignore[attr-defined]


class Measures:
    def __init__(self, *, dose_max_mg: float) -> None:
        self.dose_max_mg = dose_max_mg
        self.currency = _hashes(CURRENCY_TOKENS)
        self.items = _hashes(ITEM_STEM_WORDS)
        self.cues = _hashes(WORD_CUE_WORDS)
        # what may follow a number for it to be an amount: a unit, an item word or a multiplier
        self.units = _hashes([*UNIT_ALIASES, *ITEM_STEM_WORDS, "x", "×", "*"])
        self.times = frozenset(_hashes(["x", "×"]).tolist())
        self.unit_set = frozenset(self.units.tolist())
        self.item_set = frozenset(self.items.tolist())
        self.cue_set = frozenset(self.cues.tolist())
        self.currency_set = frozenset(self.currency.tolist())

    def __call__(self, doc: Doc) -> Doc:
        f = found(doc)
        arr = f.arr
        n = len(arr)
        if n == 0:
            return doc
        low = f.lower
        words = set(low)
        has_items = not words.isdisjoint(self.item_set)
        cues = not words.isdisjoint(self.cue_set)
        amount_starts: list[int] = []
        price_starts: list[int] = []
        nums = np.nonzero(arr[:, LIKE_NUM_])[0].tolist()
        if nums:
            idx = arr[:, IDX_].tolist()
            for i in nums:
                prev = low[i - 1] if i else 0
                nxt = low[i + 1] if i + 1 < n else 0
                if nxt in self.unit_set or prev in self.times:
                    amount_starts.append(idx[i])
                money = self.currency_set
                if prev in money or nxt in money or (i + 2 < n and low[i + 2] in money):
                    price_starts.append(idx[i])
        if not amount_starts and not price_starts and not cues:
            return doc
        text = f.text
        items: list[object] = []
        if amount_starts or cues:
            items += find_amounts(text, dose_max_mg=self.dose_max_mg, starts=amount_starts, has_items=has_items,
                                  word_cues=cues)
        if price_starts:
            items += find_prices(text, starts=price_starts)
        if not items:
            return doc
        idx = arr[:, IDX_].tolist()
        ends = (arr[:, IDX_] + arr[:, LENGTH_]).tolist()
        first = {c: i for i, c in enumerate(idx)}
        last = {c: i for i, c in enumerate(ends)}
        for item in items:
            lo: int | None = first.get(item.start)  # type: ignore[attr-defined]
            hi: int | None = last.get(item.end)  # type: ignore[attr-defined]
            if lo is None or hi is None:
                continue  # not on token boundaries: part of a chemical name or a code
            f.measures.append(item)
            f.measure_tokens.update(range(lo, hi + 1))
        return doc


@Language.factory(FACTORY, default_config={"dose_max_mg": 60.0})
def make_measures(nlp: Language, name: str, *, dose_max_mg: float) -> Callable[[Doc], Doc]:
    return Measures(dose_max_mg=dose_max_mg)
