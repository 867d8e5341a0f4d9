"""``narcoscope_nps_novelty_v1``: names that look like new psychoactive substances.

A token is a candidate when (1) it fully matches a class morphology from
``config/nlp/nps_morphology.yaml`` (``-PINACA`` tails, ``-nitazene``, ``-zolam``, locant +
acronym …) and none of its ``not_patterns``, (2) it is neither a gazetteer synonym nor a
look-alike, and (3) a dose, quantity, price, drug word or trade word ("sells", "bought",
"продаёт": ``frames_before`` and ``trade_words`` in the context file) stands nearby in the same
sentence. Product codes (XR-2000, MK-677, COVID-19) fail (1) or (2). (1) and (2) are the
component's screen in the pipeline's lexicon, decided once per token string, so a doc none of
whose tokens has the screen bit (the usual doc) costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import yaml
from spacy.language import Language
from spacy.tokens import Doc

from nlp._memo import BoundedMemo
from nlp.components._doc import ALPHA, Lexicon, found, in_context, lexicon_of, positions
from nlp.components.substances import load_gazetteer, load_words
from nlp.errors import ExtractionError

FACTORY = "narcoscope_nps_novelty_v1"
_MEMO_MAX = 200_000


def load_morphology(path: str) -> tuple[list[tuple[str, str, re.Pattern[str]]], re.Pattern[str] | None]:
    """(name, class, compiled pattern) triples, and one pattern of the shapes that are never NPS
    (``not_patterns``; None when there are none); bad patterns raise E007."""
    data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {}
    out = []
    for item in data.get("patterns", []):
        try:
            rx = re.compile(item["pattern"], re.I)
        except (re.error, KeyError, TypeError) as exc:
            raise ExtractionError("E007", name=item.get("name"), path=path, detail=exc) from exc
        out.append((str(item["name"]), str(item.get("class", "")), rx))
    nots = [str(p) for p in data.get("not_patterns") or []]
    try:
        never = re.compile("|".join(f"(?:{p})" for p in nots), re.I) if nots else None
    except re.error as exc:
        raise ExtractionError("E007", name="not_patterns", path=path, detail=exc) from exc
    return out, never


class Novelty:
    def __init__(self, patterns: list[tuple[str, str, re.Pattern[str]]], *, known: frozenset[str],
                 negatives: frozenset[str], context_words: frozenset[int], context_window: int,
                 lexicon: Lexicon | None = None, never: re.Pattern[str] | None = None) -> None:
        self.patterns = patterns
        self.never = never
        # one combined pre-filter; the per-class loop runs only on tokens that pass it
        self.any = re.compile("|".join(f"(?:{rx.pattern})" for _, _, rx in patterns), re.I)
        self.known = known
        self.negatives = negatives
        self.context_words = context_words
        self.window = context_window
        self.lexicon = lexicon or Lexicon()
        self.bit = self.lexicon.screen(self._screen)
        self._verdicts: BoundedMemo[int, tuple[str, str] | None] = BoundedMemo(_MEMO_MAX)  # ORTH hash -> classify()

    def classify(self, text: str) -> tuple[str, str] | None:
        """(morphology name, class) for a token text that looks like an unknown NPS, else None."""
        low = text.lower()
        if low in self.known or low in self.negatives or not self.any.fullmatch(text):
            return None
        if self.never is not None and self.never.fullmatch(text):
            return None
        return next(((n, c) for n, c, rx in self.patterns if rx.fullmatch(text)), None)

    def _screen(self, text: str, lower: str, flags: int) -> bool:
        """The lexicon's test of a token string: an unknown name with NPS morphology."""
        n = len(text)
        if n < 4 or (n < 7 and flags & ALPHA):  # plain short words cannot carry -zolam/-nitazene/-INACA
            return False
        return self.classify(text) is not None

    def __call__(self, doc: Doc) -> Doc:
        f = found(doc, self.lexicon)
        bit = self.bit
        if not f.present & bit:
            return doc  # the usual case: no token string with NPS morphology
        orth, idx, length, verdicts = f.orth, f.idx, f.length, self._verdicts
        for i in positions(f.flags, bit):
            if i in f.matched_tokens:
                continue
            start, end = idx[i], idx[i] + length[i]
            hit = verdicts.get(orth[i])
            if hit is None:
                hit = verdicts.put(orth[i], self.classify(f.text[start:end]))
            if hit is None or not in_context(f, i, i + 1, self.window, self.context_words):
                continue
            f.hits.append(("NPS_CANDIDATE", start, end, f.text[start:end].lower(),
                           (("class", hit[1]), ("morphology", hit[0]), ("novel", "true"))))
            f.matched_tokens.add(i)
        return doc


@Language.factory(FACTORY, default_config={"context_window": 8, "common_words": None})
def make_novelty(nlp: Language, name: str, *, morphology: str, gazetteer_dir: str, context_words: str,
                 context_window: int, common_words: str | None) -> Callable[[Doc], Doc]:
    gz = load_gazetteer(nlp, gazetteer_dir, common_words)
    patterns, never = load_morphology(morphology)
    return Novelty(patterns, never=never, known=gz.known_forms, negatives=gz.negative_texts,
                   context_words=(load_words(context_words) | load_words(context_words, "frames_before")
                                  | load_words(context_words, "trade_words")),
                   context_window=context_window, lexicon=lexicon_of(nlp))
