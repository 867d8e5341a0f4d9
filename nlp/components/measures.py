"""``narcoscope_measures_v1``: quantities, doses, item counts and prices in the text.

The plain-Python normalizers do the reading; tokens tell them where numbers, currency words and
word quantities ("eighth", "QP") start, so no regex scans the whole text. A reading is kept only
when it starts and ends on token boundaries: the tokenizer keeps ``3-MMC`` and ``25I-NBOMe`` whole,
so a locant can never be read as an amount.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable

from spacy.language import Language
from spacy.tokens import Doc

from nlp.components._doc import CUE, ITEM, MONEY, NUM, TIMES, UNIT, WORD_START, Lexicon, found, lexicon_of, positions
from nlp.normalize.prices import Price, find_prices
from nlp.normalize.quantities import Amount, find_amounts

FACTORY = "narcoscope_measures_v1"


class Measures:
    """Token flags (``_doc.UNIT``, ``MONEY`` …, set once per token string in the lexical memo)
    say where an amount or a price may start; the normalizers read only there."""

    def __init__(self, *, dose_max_mg: float, lexicon: Lexicon | None = None) -> None:
        self.dose_max_mg = dose_max_mg
        self.lexicon = lexicon

    def __call__(self, doc: Doc) -> Doc:
        f = found(doc, self.lexicon)
        flags = f.flags
        n = len(flags)
        present = f.present  # every flag bit some token of the doc has
        if not present & (NUM | CUE):
            return doc  # no number and no word quantity
        cues = bool(present & CUE)
        amount_starts: list[int] = []
        price_starts: list[int] = []
        idx = f.idx
        last = n - 1
        for i in positions(flags, NUM):
            prev = flags[i - 1] if i else 0
            nxt = flags[i + 1] if i < last else 0
            if nxt & UNIT or prev & TIMES:
                amount_starts.append(idx[i])
            if (prev | nxt) & MONEY or (i + 2 < n and flags[i + 2] & MONEY):
                price_starts.append(idx[i])
        if not amount_starts and not price_starts and not cues:
            return doc
        text = f.text
        items: list[Amount | Price] = []
        if amount_starts or cues:
            # word quantities ("an eighth", "half oz", "QP") are kept only on token boundaries, so
            # they are read only where a token that can start one stands
            word_starts = ([idx[i] for i in positions(flags, WORD_START)]
                           if cues else [])  # read only when a cue word is present
            items += find_amounts(text, dose_max_mg=self.dose_max_mg, starts=amount_starts,
                                  has_items=bool(present & ITEM), word_cues=cues, word_starts=word_starts)
        if price_starts:
            items += find_prices(text, starts=price_starts)
        length = f.length
        for item in items:
            start, end = item.start, item.end
            lo = bisect_left(idx, start)
            hi = bisect_left(idx, end, lo) - 1
            if lo >= n or idx[lo] != start or hi < lo or idx[hi] + length[hi] != end:
                continue  # not on token boundaries: part of a chemical name or a code
            f.measures.append(item)
            f.measure_tokens.update(range(lo, hi + 1))
        return doc


@Language.factory(FACTORY, default_config={"dose_max_mg": 60.0})
def make_measures(nlp: Language, name: str, *, dose_max_mg: float) -> Callable[[Doc], Doc]:
    return Measures(dose_max_mg=dose_max_mg, lexicon=lexicon_of(nlp))
