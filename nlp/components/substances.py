"""``narcoscope_substance_matcher_v1``: gazetteer matches with ambiguity and look-alike rules.

A phrase matcher on lower-cased tokens (:class:`TokenTrie`) holds every synonym. Synonyms marked ``ambiguous`` in the
gazetteer (crystal, bars, speed, K …) are kept only with drug context nearby; any match that
overlaps a look-alike from ``not_substances.yaml`` (MK-677, 5-HTP, T-shirt …) is dropped. When one
surface form belongs to several substances, the one the document names elsewhere wins.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml
from spacy.language import Language
from spacy.tokens import Doc

from nlp import gazetteer as gaz
from nlp.components._doc import IDX_, LENGTH_, clause, found, hash_string, in_context
from nlp.tokenizer import TOKENIZER_VERSION

FACTORY = "narcoscope_substance_matcher_v1"


def load_words(path: str, key: str = "words") -> frozenset[int]:
    """Context words from a YAML file ``{words: [...], forms: [...]}``, as LOWER hashes."""
    data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {}
    return frozenset(hash_string(str(w).lower()) for w in data.get(key, []))


def load_gazetteer(nlp: Language, gazetteer_dir: str, common_words: str | None) -> gaz.Gazetteer:
    """The compiled gazetteer, tokenised with this pipeline's tokenizer (cached on disk)."""
    tok = nlp.tokenizer

    def tokenize(text: str) -> list[str]:
        return [t.lower_ for t in tok(text)]

    words = Path(common_words) if common_words else None
    return gaz.load(Path(gazetteer_dir), TOKENIZER_VERSION, tokenize, words)


class TokenTrie:
    """Phrase matching on lower-case token hashes, built from strings without creating lexemes.

    spaCy's PhraseMatcher needs a Doc per pattern, and creating the lexemes for ~12,000 gazetteer
    synonyms costs seconds at every start-up; the CLI and the crawler start often. Matching works
    on the same LOWER hashes the PhraseMatcher would use (``hash_string`` of the lower-cased
    token text), read from ``Doc.to_array``.
    """

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

    def __call__(self, low: list[int]) -> list[tuple[int, int, list[int]]]:
        """(start, end, pattern keys) for every match, overlapping ones included."""
        trie = self.trie
        out = []
        size = len(low)
        for i, h in enumerate(low):
            groups = trie.get(h)
            if groups is None:
                continue
            for n, seqs in groups:
                if i + n <= size:
                    keys = seqs.get(tuple(low[i:i + n]))
                    if keys is not None:
                        out.append((i, i + n, keys))
        return out


class SubstanceMatcher:
    def __init__(self, nlp: Language, gz: gaz.Gazetteer, *, context_words: frozenset[int],
                 form_words: frozenset[int], context_window: int) -> None:
        self.gz = gz
        self.context_words = context_words | form_words
        self.form_words = form_words
        self.generic = context_words | form_words  # drug talk, never a drug name on its own
        self.common = frozenset(hash_string(w) for w in gz.common_words)
        self.window = context_window
        self.key_info: list[tuple[str, bool]] = []
        index: dict[str, int] = {}
        patterns: list[tuple[int, list[str]]] = []
        for key, toks in gz.patterns:
            if key not in index:
                index[key] = len(self.key_info)
                sid, _, amb = key.partition("|")
                self.key_info.append((sid, bool(amb)))
            patterns.append((index[key], toks))
        self.matcher = TokenTrie(patterns)
        self.negatives = TokenTrie([(0, t) for t in gz.negatives if t])
        strings = nlp.vocab.strings
        for label in ("SUBSTANCE", "NPS_CANDIDATE"):
            strings.add(label)

    def __call__(self, doc: Doc) -> Doc:
        f = found(doc)
        lower = f.lower
        blocked: set[int] = set()
        for s, e, _ in self.negatives(lower):
            blocked.update(range(s, e))
        unit_tokens = f.measure_tokens  # "5 g" is an amount, never GHB; "$" never a substance
        spans: dict[tuple[int, int], list[tuple[str, bool]]] = {}
        for s, e, keys in self.matcher(lower):
            if blocked.isdisjoint(range(s, e)) and unit_tokens.isdisjoint(range(s, e)):
                spans.setdefault((s, e), []).extend(self.key_info[k] for k in keys)
        f.matched_tokens.update(blocked)  # look-alikes are never novelty or fuzzy material
        firm = {sid for cands in spans.values() for sid, amb in cands if not amb}
        accepted = self._select(doc, spans, firm)
        self._emit(doc, accepted)
        return doc

    def _select(self, doc: Doc, spans: dict[tuple[int, int], list[tuple[str, bool]]],
                firm: set[str]) -> list[tuple[int, int, str, bool]]:
        f = found(doc)
        firm_tokens = {i for (s, e), c in spans.items() if any(not a for _, a in c) for i in range(s, e)}
        f.matched_tokens.update(firm_tokens)
        out: list[tuple[int, int, str, bool]] = []
        taken: set[int] = set()
        for (s, e), cands in sorted(spans.items(), key=lambda kv: (kv[0][0] - kv[0][1], kv[0][0])):
            if not taken.isdisjoint(range(s, e)):
                continue
            unambiguous = [sid for sid, amb in cands if not amb]
            pool = unambiguous or [sid for sid, _ in cands]
            if not unambiguous and not self._ambiguous_ok(doc, spans, s, e, pool):
                continue
            if not unambiguous:
                near = self._firm_neighbours(doc, spans, s, e)
                pool = [x for x in pool if x in near] or pool
            sid = next((x for x in pool if x in firm), pool[0])
            out.append((s, e, sid, not unambiguous))
            taken.update(range(s, e))
        return out

    def _ambiguous_ok(self, doc: Doc, spans: dict[tuple[int, int], list[tuple[str, bool]]], s: int, e: int,
                      pool: list[str]) -> bool:
        """Slang that is also ordinary language needs the drug sense made plain.

        Never: generic drug talk itself ("dose", "pills", "powder"). Everyday words and single
        letters (scale, soft, blank, M, K) only right next to an amount or a form word ("K shards",
        "speed 1g"). Other slang needs drug context in its sentence. A form word beside a
        substance named unambiguously describes that substance (crystals in "MDMA crystals").
        """
        f = found(doc)
        lower = f.lower[s:e]
        if all(h in self.generic for h in lower):
            return False
        letter = e - s == 1 and int(f.arr[s, LENGTH_]) == 1
        if letter and not f.text[int(f.arr[s, IDX_])].isupper():
            return False  # one-letter slang (K, H, G, E) only in capitals: "g" is grams
        weak = letter or any(h in self.common for h in lower)
        if weak and not self._adjacent_strong(doc, s, e):
            return False
        near = self._firm_neighbours(doc, spans, s, e)
        if near:
            return any(x in near for x in pool)
        return weak or in_context(doc, s, e, self.window, self.context_words)

    def _adjacent_strong(self, doc: Doc, s: int, e: int, reach: int = 2) -> bool:
        f = found(doc)
        lo, hi = clause(doc, s, e, reach)
        for i in range(lo, hi):
            if s <= i < e:
                continue
            beside = abs(i - s) <= 1 or abs(i - (e - 1)) <= 1
            if i in f.measure_tokens or (beside and f.lower[i] in self.form_words):
                return True
        return False

    def _firm_neighbours(self, doc: Doc, spans: dict[tuple[int, int], list[tuple[str, bool]]],
                         s: int, e: int) -> set[str]:
        """Substances named unambiguously in the same clause: a form word (crystals, shards,
        pills) next to one of them describes it, not another substance."""
        lo, hi = clause(doc, s, e, 4 * self.window)
        return {sid for (s2, e2), cands in spans.items() if (s2, e2) != (s, e) and lo <= s2 and e2 <= hi
                for sid, amb in cands if not amb}

    def _emit(self, doc: Doc, accepted: list[tuple[int, int, str, bool]]) -> None:
        f = found(doc)
        for s, e, sid, ambiguous in sorted(accepted):
            sub = self.gz.substances.get(sid)
            attrs = (("class", sub.cls if sub else ""), ("match", "context" if ambiguous else "exact"))
            span = doc[s:e]
            f.hits.append(("SUBSTANCE", span.start_char, span.end_char, sid, attrs))
            f.matched_tokens.update(range(s, e))
            f.substance_ids.add(sid)


@Language.factory(
    FACTORY,
    default_config={"common_words": None, "context_window": 6},
)
def make_substance_matcher(nlp: Language, name: str, *, gazetteer_dir: str, common_words: str | None,
                           context_words: str, context_window: int) -> Callable[[Doc], Doc]:
    gz = load_gazetteer(nlp, gazetteer_dir, common_words)
    return SubstanceMatcher(nlp, gz, context_words=load_words(context_words),
                            form_words=load_words(context_words, "forms"), context_window=context_window)
