"""``narcoscope_nps_novelty_v1``: names that look like new psychoactive substances.

A token is a candidate when (1) it fully matches a class morphology from
``config/nlp/nps_morphology.yaml`` (``-PINACA`` tails, ``-nitazene``, ``-zolam``, locant +
acronym …), (2) it is neither a gazetteer synonym nor a look-alike, and (3) a dose, quantity,
price or drug word stands nearby in the same sentence. Product codes (XR-2000, MK-677, COVID-19)
fail (1) or (2). Verdicts are memoised per token string (ORTH hash).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import yaml
from spacy.language import Language
from spacy.tokens import Doc

from nlp.components._doc import IDX_, IS_ALPHA_, LENGTH_, ORTH_, KnownHashes, found, in_context
from nlp.components.substances import load_gazetteer, load_words
from nlp.errors import ExtractionError

FACTORY = "narcoscope_nps_novelty_v1"
_MEMO_MAX = 200_000


def load_morphology(path: str) -> list[tuple[str, str, re.Pattern[str]]]:
    """(name, class, compiled pattern) triples; bad patterns raise E007."""
    data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {}
    out = []
    for item in data.get("patterns", []):
        try:
            rx = re.compile(item["pattern"], re.I)
        except (re.error, KeyError, TypeError) as exc:
            raise ExtractionError("E007", name=item.get("name"), path=path, detail=exc) from exc
        out.append((str(item["name"]), str(item.get("class", "")), rx))
    return out


class Novelty:
    def __init__(self, patterns: list[tuple[str, str, re.Pattern[str]]], *, known: frozenset[str],
                 negatives: frozenset[str], context_words: frozenset[int], context_window: int) -> None:
        self.patterns = patterns
        # one combined pre-filter; the per-class loop runs only on tokens that pass it
        self.any = re.compile("|".join(f"(?:{rx.pattern})" for _, _, rx in patterns), re.I)
        self.known = known
        self.negatives = negatives
        self.context_words = context_words
        self.window = context_window
        self._memo: dict[int, tuple[str, str]] = {}  # ORTH hash -> verdict, for look-alike tokens
        self._plain = KnownHashes(_MEMO_MAX)  # ORTH hashes known not to look like an NPS

    def classify(self, text: str) -> tuple[str, str] | None:
        """(morphology name, class) for a token text that looks like an unknown NPS, else None."""
        low = text.lower()
        if low in self.known or low in self.negatives or not self.any.fullmatch(text):
            return None
        return next(((n, c) for n, c, rx in self.patterns if rx.fullmatch(text)), None)

    def __call__(self, doc: Doc) -> Doc:
        f = found(doc)
        memo, text, arr = self._memo, f.text, f.arr
        length, alpha = arr[:, LENGTH_], arr[:, IS_ALPHA_]
        # plain short words cannot carry -zolam/-nitazene/-INACA morphology; words already known
        # to be plain are screened out in one numpy call
        maybe = (length >= 7) | ((length >= 4) & (alpha == 0))
        rows = np.nonzero(maybe)[0]
        if not len(rows):
            return doc
        rows = rows[~self._plain.mask(arr[rows, ORTH_])]
        for i in rows.tolist():
            key = int(arr[i, ORTH_])
            hit = memo.get(key)
            if hit is None:
                start = int(arr[i, IDX_])
                hit = self.classify(text[start:start + int(arr[i, LENGTH_])])
                if hit is None:
                    self._plain.add(key)
                    continue
                if len(memo) > _MEMO_MAX:
                    memo.clear()
                memo[key] = hit
            if i in f.matched_tokens:
                continue
            if not in_context(f, i, i + 1, self.window, self.context_words):
                continue
            start, end = int(arr[i, IDX_]), int(arr[i, IDX_] + arr[i, LENGTH_])
            f.hits.append(("NPS_CANDIDATE", start, end, text[start:end].lower(),
                           (("class", hit[1]), ("morphology", hit[0]), ("novel", "true"))))
            f.matched_tokens.add(i)
        return doc


@Language.factory(FACTORY, default_config={"context_window": 8, "common_words": None})
def make_novelty(nlp: Language, name: str, *, morphology: str, gazetteer_dir: str, context_words: str,
                 context_window: int, common_words: str | None) -> Callable[[Doc], Doc]:
    gz = load_gazetteer(nlp, gazetteer_dir, common_words)
    return Novelty(load_morphology(morphology), known=gz.known_forms, negatives=gz.negative_texts,
                   context_words=load_words(context_words), context_window=context_window)
