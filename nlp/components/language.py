"""``narcoscope_language_v1``: the language of a record's main free text.

py3langid's character model costs about 0.5 µs per byte, a large share of the per-listing budget.
Most market text is decided by function words, so a stop-word vote (words distinctive of one
configured language, from spaCy's stop-word lists) settles clear cases; py3langid, restricted to
the configured languages, handles the rest on a sample of ``sample_chars``. The extractor can set
``doc.user_data["ns_lang_range"] = (start, end)`` to point at the description inside the doc.
"""

from __future__ import annotations

import importlib.metadata
import runpy
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import spacy
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from spacy.language import Language
from spacy.tokens import Doc

from nlp.components._doc import found, hash_string

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


class LanguageDetector:
    def __init__(self, *, languages: list[str], sample_chars: int, stopword_vote: bool) -> None:
        self.identifier = _identifier(tuple(languages))
        self.sample_chars = sample_chars
        self.votes = distinctive_stopwords(languages) if stopword_vote else {}

    def _vote(self, doc: Doc, start: int, end: int) -> str:
        f = found(doc)
        votes = self.votes
        lower, idx = f.lower, f.idx
        # the tokens starting in [start, end): a slice, then one C-level pass over it
        lo, hi = bisect_left(idx, start), bisect_left(idx, end)
        if lo or hi < len(lower):
            lower = lower[lo:hi]
        if votes.keys().isdisjoint(lower):
            return ""
        counts = Counter(filter(None, map(votes.get, lower)))
        ranked = counts.most_common(2)
        if ranked and ranked[0][1] >= 3 and (len(ranked) == 1 or ranked[0][1] >= 3 * ranked[1][1]):
            return ranked[0][0]
        return ""

    def __call__(self, doc: Doc) -> Doc:
        full = found(doc).text
        start, end = doc.user_data.get("ns_lang_range", (0, len(full)))
        text = full[start:end]
        if len(text.strip()) < 20:  # a title alone: use the whole doc
            start, end, text = 0, len(full), full
        lang = self._vote(doc, start, end) if self.votes else ""
        if not lang and text.strip():
            sample = text[: self.sample_chars]
            lang = str(self.identifier.classify(sample)[0])
        found(doc).lang = lang
        return doc


@Language.factory(FACTORY, default_config={"sample_chars": 240, "stopword_vote": True})
def make_language(nlp: Language, name: str, *, languages: list[str], sample_chars: int,
                  stopword_vote: bool) -> Callable[[Doc], Doc]:
    return LanguageDetector(languages=languages, sample_chars=sample_chars, stopword_vote=stopword_vote)
