"""``narcoscope_fuzzy_substances_v1``: misspelt substance names (alprazolan, ketamin, oxycotin).

Only tokens nothing else claimed are tried, only when alphabetic, at least ``min_length`` long and
not a common word of the languages markets use (``common_words.txt``): "heroine" stays a heroine.
Candidates are gazetteer names and brands (not slang) of similar length with the same first letter,
scored with rapidfuzz's ratio. Results are
memoised per token text, so a long-running crawler pays for each distinct word once; "is a known
misspelling" is the component's screen in the pipeline's lexicon, so a doc none of whose tokens
has the screen bit (the usual doc) costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from rapidfuzz import fuzz, process
from spacy.language import Language
from spacy.tokens import Doc

from nlp._memo import BoundedMemo
from nlp.components._doc import ALPHA, Lexicon, found, in_context, lexicon_of, positions
from nlp.components.substances import hit_label, load_gazetteer, load_words
from nlp.gazetteer import Gazetteer

FACTORY = "narcoscope_fuzzy_substances_v1"
_MEMO_MAX = 200_000


class FuzzyMatcher:
    def __init__(self, gz: Gazetteer, *, min_length: int, threshold: float, max_length_difference: int,
                 requires_context: bool, context_words: frozenset[int], context_window: int,
                 lexicon: Lexicon | None = None) -> None:
        self.gz = gz
        self.min_length = min_length
        self.threshold = threshold
        self.max_diff = max_length_difference
        self.requires_context = requires_context
        self.context_words = context_words
        self.window = context_window
        self.by_length: dict[tuple[str, int], list[str]] = {}
        for form in gz.fuzzy_targets:
            self.by_length.setdefault((form[0], len(form)), []).append(form)
        self._memo: BoundedMemo[str, tuple[str, float, str] | None] = BoundedMemo(_MEMO_MAX)
        self.lexicon = lexicon or Lexicon()
        self.bit = self.lexicon.screen(self._screen)

    def lookup(self, word: str) -> tuple[str, float, str] | None:
        """(substance id, score, matched synonym) for a lower-case word, or None."""
        if word in self._memo:
            return self._memo[word]
        hit = None
        if word not in self.gz.common_words and word not in self.gz.known_forms:
            n = len(word)
            # a misspelling keeps its first letter (tryptamine is not etryptamine)
            pool = [f for k in range(n - self.max_diff, n + self.max_diff + 1)
                    for f in self.by_length.get((word[0], k), ())]
            best = process.extractOne(word, pool, scorer=fuzz.ratio, score_cutoff=self.threshold)
            if best is not None:
                hit = (self.gz.fuzzy_targets[best[0]], float(best[1]), best[0])
        return self._memo.put(word, hit)

    def _screen(self, text: str, lower: str, flags: int) -> bool:
        """The lexicon's test of a token string: an alphabetic word that is a known misspelling."""
        return len(text) >= self.min_length and bool(flags & ALPHA) and self.lookup(lower) is not None

    def __call__(self, doc: Doc) -> Doc:
        f = found(doc, self.lexicon)
        bit = self.bit
        if not f.present & bit:
            return doc  # the usual case: no word of the doc is a known misspelling
        idx, length = f.idx, f.length
        for i in positions(f.flags, bit):
            if i in f.matched_tokens:
                continue
            hit = self.lookup(f.text[idx[i]:idx[i] + length[i]].lower())
            if hit is None:
                continue
            if self.requires_context and not in_context(f, i, i + 1, self.window, self.context_words):
                continue
            sid, score, form = hit
            sub = self.gz.substances.get(sid)
            attrs = (("class", sub.cls if sub else ""), ("match", "fuzzy"), ("score", f"{score:.0f}"),
                     ("matched", form))
            label = hit_label(sub)
            start, end = f.idx[i], f.end(i)
            f.hits.append((label, start, end, sid, attrs))
            f.matched_tokens.add(i)
            if label == "SUBSTANCE":
                f.substance_ids.add(sid)
        return doc


@Language.factory(FACTORY, default_config={
    "min_length": 5, "threshold": 88.0, "max_length_difference": 2, "requires_context": False,
    "context_window": 6, "common_words": None})
def make_fuzzy(nlp: Language, name: str, *, gazetteer_dir: str, common_words: str | None, context_words: str,
               min_length: int, threshold: float, max_length_difference: int, requires_context: bool,
               context_window: int) -> Callable[[Doc], Doc]:
    gz = load_gazetteer(nlp, gazetteer_dir, common_words)
    return FuzzyMatcher(gz, min_length=min_length, threshold=threshold, max_length_difference=max_length_difference,
                        requires_context=requires_context, context_words=load_words(context_words),
                        context_window=context_window, lexicon=lexicon_of(nlp))
