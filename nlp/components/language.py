"""``narcoscope_language_v1``: the language of a record's main free text.

py3langid's character model costs about 0.5 µs per byte, a large share of the per-listing budget.
Most market text is decided by function words, so a stop-word vote (words distinctive of one
configured language, from spaCy's stop-word lists) settles clear cases; py3langid, restricted to
the configured languages, handles the rest on a sample of ``sample_chars`` — through
:class:`FastClassifier`, which gives py3langid's answer at a fraction of its cost. The extractor can
set ``doc.user_data["ns_lang_range"] = (start, end)`` to point at the description inside the doc.
"""

from __future__ import annotations

import importlib.metadata
import operator
import re
import runpy
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import spacy
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from spacy.language import Language
from spacy.tokens import Doc

from nlp._memo import BoundedMemo
from nlp.components._doc import Found, Lexicon, found, hash_string, lexicon_of

FACTORY = "narcoscope_language_v1"
_SPACY_LANG = {"no": "nb"}


def distinctive_stopwords(languages: list[str]) -> dict[int, str]:
    """LOWER hash -> language, for stop words of length >= 2 that belong to exactly one language."""
    owners: dict[str, set[str]] = {}
    for lang in languages:
        # run the stop-word module by path: importing spacy.lang.fr compiles its tokenizer
        # exceptions (seconds); the stop-word file itself is a plain set literal.
        path = Path(spacy.__file__).parent / "lang" / _SPACY_LANG.get(lang, lang) / "stop_words.py"
        if not path.exists():
            continue
        for word in runpy.run_path(str(path)).get("STOP_WORDS", ()):
            if len(word) >= 2:
                owners.setdefault(word.lower(), set()).add(lang)
    return {hash_string(w): next(iter(ls)) for w, ls in owners.items() if len(ls) == 1}


def _identifier(languages: tuple[str, ...]) -> LanguageIdentifier:
    """py3langid restricted to ``languages``; its LZMA-packed model takes ~1 s to unpack, so the
    unpacked, restricted identifier is pickled in the narcoscope cache directory."""
    import pickle

    from nlp.gazetteer import cache_dir

    version = getattr(importlib.metadata, "version", lambda _: "0")("py3langid")
    path = cache_dir() / f"langid-{version}-{'-'.join(languages)}.pickle"
    try:
        with path.open("rb") as fh:
            cached: LanguageIdentifier = pickle.load(fh)
        return cached
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        pass
    ident = LanguageIdentifier.from_model_file(MODEL_FILE)
    ident.set_languages(list(languages))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump(ident, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError:
        pass
    return ident


_COUNT = operator.itemgetter(1)
_CHUNK = re.compile(rb"[^ ]+ ?| ")  # a word and the space after it
_CHUNKS_MAX = 100_000
_ANSWERS_MAX = 20_000


class FastClassifier:
    """py3langid's ``classify`` with the same answer for a fraction of the cost.

    py3langid walks its n-gram automaton one byte at a time in Python and scores with a float16
    table (numpy has no fast float16 product). The automaton's state after a word depends only on
    the state before it and the word's bytes, so the walk is memoised per (state, word) and a doc
    costs one dict lookup per word; the table is held as float32, which is what numpy converts the
    float16 rows to before the product anyway, so the scores are the same numbers.
    """

    def __init__(self, ident: LanguageIdentifier) -> None:
        self.ident = ident
        self.nextmove, self.rowbase, self.output = ident.tk_nextmove, ident._rowbase, ident.tk_output
        self.table = np.ascontiguousarray(ident.nb_ptc, dtype=np.float32)
        self.pc = ident.nb_pc
        self.classes = list(ident.nb_classes)
        # the shortcut covers py3langid's plain argmax only (no aliased labels, no probabilities)
        self.exact = not ident._alias_pairs and not ident._norm_probs and ident.min_confidence is None
        self.chunks: BoundedMemo[tuple[int, bytes], tuple[int, tuple[int, ...]]] = BoundedMemo(_CHUNKS_MAX)
        self.answers: BoundedMemo[str, str] = BoundedMemo(_ANSWERS_MAX)

    def _walk(self, state: int, chunk: bytes) -> tuple[int, tuple[int, ...]]:
        nextmove, rowbase, output = self.nextmove, self.rowbase, self.output
        feats = []
        for byte in chunk:
            state = nextmove[rowbase[state] + byte]
            f = output[state]
            if f >= 0:
                feats.append(f)
        return state, tuple(feats)

    def classify(self, text: str) -> str:
        """The most likely language of ``text``, memoised: markets repeat descriptions (a vendor's
        boilerplate, the same listing observed again), and a sample is at most ``sample_chars``."""
        lang = self.answers.get(text)
        if lang is None:
            lang = self.answers.put(text, self._classify(text))
        return lang

    def _classify(self, text: str) -> str:
        if not self.exact:
            return str(self.ident.classify(text)[0])
        data = self.ident._encode(text)
        chunks, state = self.chunks, 0
        feats: list[int] = []
        for chunk in _CHUNK.findall(data):
            hit = chunks.get((state, chunk))
            if hit is None:
                hit = chunks.put((state, chunk), self._walk(state, chunk))
            state = hit[0]
            feats += hit[1]
        if not feats:
            return str(self.ident.classify(text)[0])  # featureless input: py3langid's floor rule
        counts = Counter(feats)
        idx = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        values = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        scores = np.log1p(values) @ self.table[idx] + self.pc
        return str(self.classes[int(scores.argmax())])


class LanguageDetector:
    def __init__(self, *, languages: list[str], sample_chars: int, stopword_vote: bool,
                 lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon
        self.identifier = _identifier(tuple(languages))
        self.classifier = FastClassifier(self.identifier)
        self.sample_chars = sample_chars
        self.votes = distinctive_stopwords(languages) if stopword_vote else {}

    def _vote(self, doc: Doc | Found, start: int, end: int) -> str:
        f = found(doc)
        votes = self.votes
        lower, idx = f.lower, f.idx
        # the tokens starting in [start, end): a slice, then one C-level pass over it
        lo, hi = bisect_left(idx, start), bisect_left(idx, end)
        if lo or hi < len(lower):
            lower = lower[lo:hi]
        hits: list[str] = list(filter(None, map(votes.get, lower)))
        # the leader needs 3 votes and 3 times the runner-up's (ties cannot pass, so order is moot)
        if len(hits) < 3:
            return ""
        if hits.count(hits[0]) == len(hits):  # the usual clear case: one language votes
            return hits[0]
        counts = Counter(hits)
        lang, top = max(counts.items(), key=_COUNT)
        if top < 3 or 3 * max(n for other, n in counts.items() if other != lang) > top:
            return ""
        return lang

    def __call__(self, doc: Doc) -> Doc:
        f = found(doc, self.lexicon)
        full = f.text
        start, end = doc.user_data.get("ns_lang_range", (0, len(full)))
        text = full[start:end]
        stripped = text.strip()
        if len(stripped) < 20:  # a title alone: use the whole doc
            start, end, text = 0, len(full), full
            stripped = text.strip()
        lang = self._vote(f, start, end) if self.votes else ""
        if not lang and stripped:
            sample = text[: self.sample_chars]
            lang = self.classifier.classify(sample)
        f.lang = lang
        return doc


@Language.factory(FACTORY, default_config={"sample_chars": 240, "stopword_vote": True})
def make_language(nlp: Language, name: str, *, languages: list[str], sample_chars: int,
                  stopword_vote: bool) -> Callable[[Doc], Doc]:
    return LanguageDetector(languages=languages, sample_chars=sample_chars, stopword_vote=stopword_vote,
                            lexicon=lexicon_of(nlp))
