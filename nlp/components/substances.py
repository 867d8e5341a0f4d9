"""``narcoscope_substance_matcher_v1``: gazetteer matches with ambiguity and look-alike rules.

A phrase matcher on lower-cased tokens (:class:`TokenTrie`) holds every synonym; any match that
overlaps a look-alike from ``not_substances.yaml`` (MK-677, 5-HTP, T-shirt …) is dropped. Matches
are decided in three passes, each longest span first:

1. unambiguous synonyms (and strain names) are taken as they are;
2. ambiguous slang that is not an everyday word (hash, mandy, DOB …) needs drug context in its
   clause, must agree with substances named firmly nearby, and is dropped when qualified as a
   class ("the new cathinone", "pyrovalerone analog");
3. everyday-word slang and single letters (ice, brown, crystal, K, H) need product evidence: an
   amount or form word right beside it, a use/purchase frame ("tried the ice", "Tina von X") or
   the same substance named firmly elsewhere — and they lose to any other substance the record
   names firmly unless an amount stands right beside them ("crystal clear stealth" in an LSD
   listing is not methamphetamine).

Then strain names yield to a named product of their group ("Shatter - Gelato" is a concentrate),
and every hit is labelled by what the gazetteer says the entry is: ``SUBSTANCE``, or
``CLASS_MENTION`` for generic entries (benzos, opioids, SCRA) — except a generic *product* named in a
listing's title when no compound of its class is named ("Spice herbal blend 3g") — or
``CONTEXT_SUBSTANCE`` for entries whose role is context (levamisole, naloxone, THC %, CBD).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from spacy.language import Language
from spacy.tokens import Doc

from nlp import gazetteer as gaz
from nlp.components._doc import IDX_, LENGTH_, LOWER_, ORTH_, Found, clause, found, hash_string, in_context
from nlp.components._trie import TokenTrie
from nlp.tokenizer import TOKENIZER_REVISION

FACTORY = "narcoscope_substance_matcher_v1"
__all__ = ["FACTORY", "SubstanceMatcher", "TokenTrie", "hit_label", "load_gazetteer", "load_words"]
_PERCENT = hash_string("%")
Span = tuple[int, int]
Cand = tuple[str, str]  # (substance id, pattern flags)


def load_words(path: str, key: str = "words") -> frozenset[int]:
    """Context words from a YAML file ``{words: [...], forms: [...]}``, as LOWER hashes."""
    return frozenset(hash_string(w) for w in load_strings(path, key))


def load_strings(path: str, key: str) -> list[str]:
    """A list of lower-cased strings from a YAML mapping (empty when the key is absent)."""
    data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {}
    return [str(w).lower() for w in data.get(key, []) or []]


def load_gazetteer(nlp: Language, gazetteer_dir: str, common_words: str | None) -> gaz.Gazetteer:
    """The compiled gazetteer, tokenised with this pipeline's tokenizer (cached on disk)."""
    tok = nlp.tokenizer

    def tokenize(text: str) -> list[str]:
        return [t.lower_ for t in tok(text)]

    words = Path(common_words) if common_words else None
    return gaz.load(Path(gazetteer_dir), TOKENIZER_REVISION, tokenize, words)


def hit_label(sub: gaz.Substance | None) -> str:
    """The entity label a match of ``sub`` gets (see the module docstring)."""
    if sub is None:
        return "SUBSTANCE"
    if sub.role == "context":
        return "CONTEXT_SUBSTANCE"
    return "CLASS_MENTION" if sub.generic else "SUBSTANCE"


@dataclass(frozen=True, slots=True)
class Cues:
    """The word lists of ``drug_context.yaml``, as LOWER hashes."""

    context: frozenset[int]
    forms: frozenset[int]
    generic: frozenset[int]  # drug talk that never names a drug by itself
    frames_before: frozenset[int]
    fillers: frozenset[int]
    frames_after: frozenset[int]
    class_before: frozenset[int]
    class_after: frozenset[int]

    @classmethod
    def load(cls, path: str) -> Cues:
        words, forms = load_words(path), load_words(path, "forms")
        return cls(context=words | forms, forms=forms, generic=words - forms,
                   frames_before=load_words(path, "frames_before"), fillers=load_words(path, "frame_fillers"),
                   frames_after=load_words(path, "frames_after"), class_before=load_words(path, "class_before"),
                   class_after=load_words(path, "class_after"))


class SubstanceMatcher:
    def __init__(self, nlp: Language, gz: gaz.Gazetteer, *, cues: Cues, context_window: int,
                 yield_classes: frozenset[str], yield_ids: frozenset[str], yields: dict[str, frozenset[str]],
                 never_letters: frozenset[str]) -> None:
        self.gz = gz
        self.yields = yields
        self.never_letters = never_letters
        self.cues = cues
        self.common = frozenset(hash_string(w) for w in gz.common_words)
        self.window = context_window
        self.yield_classes = yield_classes
        self.yield_ids = yield_ids
        self.key_info: list[Cand] = []
        index: dict[str, int] = {}
        patterns: list[tuple[int, list[str]]] = []
        for key, toks in gz.patterns:
            if key not in index:
                index[key] = len(self.key_info)
                sid, _, flags = key.partition("|")
                self.key_info.append((sid, flags))
            patterns.append((index[key], toks))
        self.matcher = TokenTrie(patterns)
        self.negatives = TokenTrie([(0, t) for t in gz.negatives if t])
        strings = nlp.vocab.strings
        for label in ("SUBSTANCE", "NPS_CANDIDATE", "CLASS_MENTION", "CONTEXT_SUBSTANCE"):
            strings.add(label)

    def __call__(self, doc: Doc) -> Doc:
        f = found(doc)
        lower = f.lower
        low_arr = f.arr[:, LOWER_]
        matches = self.matcher(lower, low_arr)
        if not matches:
            return doc
        blocked: set[int] = set()
        for s, e, _ in self.negatives(lower, low_arr):
            blocked.update(range(s, e))
        f.matched_tokens.update(blocked)  # look-alikes are never novelty or fuzzy material
        unit_tokens = f.measure_tokens  # "5 g" is an amount, never GHB; "$" never a substance
        spans: dict[Span, list[Cand]] = {}
        for s, e, keys in matches:
            if blocked.isdisjoint(range(s, e)) and unit_tokens.isdisjoint(range(s, e)):
                spans.setdefault((s, e), []).extend(self.key_info[k] for k in keys)
        if spans:
            self._emit(doc, f, self._select(doc, f, spans))
        return doc

    # -- selection ---------------------------------------------------------------------------
    def _select(self, doc: Doc, f: Found, spans: dict[Span, list[Cand]]) -> list[tuple[int, int, str, str]]:
        order = sorted(spans, key=lambda se: (se[0] - se[1], se[0]))
        firm = {sid for cands in spans.values() for sid, fl in cands if gaz.AMBIGUOUS not in fl}
        f.matched_tokens.update(i for (s, e), c in spans.items() if any(gaz.AMBIGUOUS not in fl for _, fl in c)
                                for i in range(s, e))
        taken: set[int] = set()
        out: list[tuple[int, int, str, str]] = []
        identified: set[str] = set()  # drugs the record names (not classes, strains, context)
        later: list[list[Span]] = [[], []]  # everyday-word slang; form-word and lexicon-only slang
        for stage in range(4):
            for s, e in (order if stage < 2 else later[stage - 2]):
                if not taken.isdisjoint(range(s, e)):
                    continue
                cands = spans[(s, e)]
                firm_c = [c for c in cands if gaz.AMBIGUOUS not in c[1]]
                if stage == 0:
                    if not firm_c:
                        continue
                    sid, flags = next((c for c in firm_c if self._is_drug(c)), firm_c[0])
                elif firm_c:
                    continue
                elif stage == 1 and self._weak(f, s, e):
                    last = all(gaz.LEXICON in fl for _, fl in cands) or all(h in self.cues.forms for h in f.lower[s:e])
                    later[int(last)].append((s, e))
                    continue
                else:
                    picked = self._ambiguous(doc, f, spans, s, e, cands, firm, identified, stage=stage)
                    if picked is None:
                        continue
                    sid, flags = picked
                out.append((s, e, sid, flags))
                taken.update(range(s, e))
                if self._is_drug((sid, flags)):
                    identified.add(sid)
        return self._yield_ingredients(self._yield_qualifiers(out))

    def _is_drug(self, cand: Cand) -> bool:
        sub = self.gz.substances.get(cand[0])
        return gaz.QUALIFIER not in cand[1] and sub is not None and not sub.generic and sub.role == "drug"

    def _weak(self, f: Found, s: int, e: int) -> bool:
        """Single letters, everyday words and form words (crystal, bars) as slang."""
        if e - s == 1 and int(f.arr[s, LENGTH_]) == 1:
            return True
        low = f.lower[s:e]
        return all(h in self.common or h in self.cues.forms for h in low)

    def _ambiguous(self, doc: Doc, f: Found, spans: dict[Span, list[Cand]], s: int, e: int, cands: list[Cand],
                   firm: set[str], identified: set[str], *, stage: int) -> Cand | None:
        """The sense an ambiguous span takes, or None when its drug sense is not made plain.
        ``stage`` 1: slang that is no everyday word; 2: everyday words and letters; 3: form words
        and lexicon-only everyday words, decided last against everything else the record names."""
        if stage >= 2 and identified and not any(sid in identified for sid, _ in cands):
            return None  # the record names another drug: "crystal clear stealth" in an LSD listing
        low = f.lower[s:e]
        cues, arr = self.cues, f.arr
        if all(h in cues.generic for h in low):
            return None
        if (s > 0 and f.lower[s - 1] in cues.class_before) or (e < len(f.lower) and f.lower[e] in cues.class_after):
            return None  # "the new cathinone", "pyrovalerone analog": a class, not a substance
        start, end = int(arr[s, IDX_]), int(arr[e - 1, IDX_] + arr[e - 1, LENGTH_])
        if any(gaz.CAPITALS in fl for _, fl in cands) and not f.text[start:end].isupper():
            return None  # "Doc suggested", "Nep paspoort": an acronym only in capitals
        near = self._firm_neighbours(f, spans, s, e)
        pool = [c for c in cands if c[0] in near] if near else cands
        if not pool:
            return None
        pick = next((c for c in pool if c[0] in firm), pool[0])
        if stage == 1:
            return pick if near or in_context(f, s, e, self.window, cues.context) else None
        if identified - {pick[0]}:
            return None  # the record names another drug: "crystal clear stealth" in an LSD listing
        if e - s == 1 and int(arr[s, LENGTH_]) == 1:  # one-letter slang: "K shards", "tried H"
            letter = f.text[start]
            if letter.lower() in self.never_letters or (not letter.isupper() and not self._framed(f, s, e)):
                return None
        if stage == 3:  # "crystal 7g", "brown 1g": only right beside an amount
            lexicon = all(gaz.LEXICON in fl for _, fl in cands)
            forms = all(h in cues.forms for h in low)
            return pick if self._beside_amount(f, s, e) and not (lexicon and forms) else None
        if pick[0] in identified or self._beside_amount(f, s, e):
            return pick
        return pick if self._form_beside(f, s, e) or self._framed(f, s, e) else None

    def _beside_amount(self, f: Found, s: int, e: int, reach: int = 2) -> bool:
        """An amount, or a purity figure ("90% coke"), within ``reach`` tokens in the clause."""
        lo, hi = clause(f, s, e, reach)
        orth = f.arr[:, ORTH_]
        return any(not s <= i < e and (i in f.measure_tokens or int(orth[i]) == _PERCENT) for i in range(lo, hi))

    def _form_beside(self, f: Found, s: int, e: int) -> bool:
        low = f.lower
        return (s > 0 and low[s - 1] in self.cues.forms) or (e < len(low) and low[e] in self.cues.forms)

    def _framed(self, f: Found, s: int, e: int) -> bool:
        """A use/purchase verb before ("tried the ice", "a bump of k") or a seller after ("from X")."""
        low, cues = f.lower, self.cues
        if e < len(low) and low[e] in cues.frames_after:
            return True
        i = s - 1
        while i >= 0 and s - i <= 3 and low[i] in cues.fillers:
            i -= 1
        return i >= 0 and s - i <= 3 and (low[i] in cues.frames_before or i in f.measure_tokens)

    def _firm_neighbours(self, doc: Doc | Found, spans: dict[Span, list[Cand]], s: int, e: int) -> set[str]:
        """Drugs named unambiguously in the same clause: a form word (crystals, shards, pills)
        next to one of them describes it, not another substance."""
        lo, hi = clause(doc, s, e, 4 * self.window)
        return {sid for (s2, e2), cands in spans.items() if (s2, e2) != (s, e) and lo <= s2 and e2 <= hi
                for sid, fl in cands if gaz.AMBIGUOUS not in fl and self._is_drug((sid, fl))}

    def _yield_qualifiers(self, out: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
        """Strain names name cannabis only when no other product of their group is named."""
        if not any(gaz.QUALIFIER in fl for _, _, _, fl in out):
            return out
        subs = self.gz.substances
        products = {sid for _, _, sid, fl in out if gaz.QUALIFIER not in fl and sid in subs
                    and (sid in self.yield_ids or (subs[sid].cls in self.yield_classes and subs[sid].role == "drug"))}
        return [h for h in out if gaz.QUALIFIER not in h[3] or not products - {h[2]}]

    def _yield_ingredients(self, out: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
        """A compound named as the active part of a product the record names ("Psilocybin Pilze",
        "psilocybin mushrooms") is that product: the compound's hit is dropped."""
        named = {sid for _, _, sid, _ in out}
        return [h for h in out if not (self.yields.get(h[2], frozenset()) & named)]

    # -- output ------------------------------------------------------------------------------
    def _emit(self, doc: Doc, f: Found, accepted: list[tuple[int, int, str, str]]) -> None:
        arr, subs = f.arr, self.gz.substances
        named_classes = {subs[sid].cls for _, _, sid, _ in accepted if sid in subs and not subs[sid].generic}
        for s, e, sid, flags in sorted(accepted):
            sub = subs.get(sid)
            label = hit_label(sub)
            start = int(arr[s, IDX_])
            end = int(arr[e - 1, IDX_] + arr[e - 1, LENGTH_])
            if (label == "CLASS_MENTION" and sub is not None and f.kind == "listing" and end <= f.title_end
                    and sub.cls not in named_classes):
                label = "SUBSTANCE"  # "Spice herbal blend 3g": an unspecified product is what is sold
            attrs = (("class", sub.cls if sub else ""), ("match", "context" if gaz.AMBIGUOUS in flags else "exact"))
            f.hits.append((label, start, end, sid, attrs))
            f.matched_tokens.update(range(s, e))
            if label == "SUBSTANCE":
                f.substance_ids.add(sid)


@Language.factory(
    FACTORY,
    default_config={"common_words": None, "context_window": 6},
)
def make_substance_matcher(nlp: Language, name: str, *, gazetteer_dir: str, common_words: str | None,
                           context_words: str, context_window: int) -> Callable[[Doc], Doc]:
    gz = load_gazetteer(nlp, gazetteer_dir, common_words)
    data: Any = yaml.load(Path(context_words).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {}
    yields = {str(k): frozenset(map(str, v)) for k, v in (data.get("ingredient_yields_to") or {}).items()}
    return SubstanceMatcher(nlp, gz, cues=Cues.load(context_words), context_window=context_window,
                            yield_classes=frozenset(data.get("qualifier_yields_to_classes") or []),
                            yield_ids=frozenset(data.get("qualifier_yields_to_ids") or []), yields=yields,
                            never_letters=frozenset(str(x) for x in data.get("never_letters") or []))
