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
from nlp._yaml import require_strings
from nlp.components._doc import Found, clause, found, hash_string, in_context, lexicon_of, positions
from nlp.components._trie import TokenTrie
from nlp.tokenizer import TOKENIZER_REVISION

FACTORY = "narcoscope_substance_matcher_v1"
__all__ = ["FACTORY", "Entry", "SubstanceMatcher", "TokenTrie", "hit_label", "load_gazetteer", "load_words"]
_PERCENT = hash_string("%")


Cand = tuple[str, str]  # (substance id, pattern flags)


def load_words(path: str, key: str = "words") -> frozenset[int]:
    """Context words from a YAML file ``{words: [...], forms: [...]}``, as LOWER hashes."""
    return frozenset(hash_string(w) for w in load_strings(path, key))


def load_strings(path: str, key: str) -> list[str]:
    """A list of lower-cased strings from a YAML mapping (empty when the key is absent)."""
    data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {}
    words = data.get(key, []) or []
    require_strings(words, f"{path}: {key}")
    return [w.lower() for w in words]


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


@dataclass(frozen=True, slots=True)
class Entry:
    """What the gazetteer says about one token sequence, decided once at start-up: the candidate
    senses and every property of them the selection asks about."""

    cands: tuple[Cand, ...]
    cand_sids: frozenset[str]  # the substance ids of all senses
    firm: tuple[Cand, ...]  # the unambiguous senses
    pick: Cand | None  # the firm sense taken in pass 1 (a drug first)
    pick_drug: bool  # ``pick`` is a drug (the record then names it)
    firm_sids: frozenset[str]
    firm_drugs: frozenset[str]  # firm senses that are drugs (neighbours for form words)
    everyday: bool  # every token is a common word or a form word
    forms: bool  # every token is a form word
    generic: bool  # every token is drug talk that never names a drug
    lexicon: bool  # attested only by the imported street-name lexicons
    capitals: bool  # an acronym that counts only in capitals


# a match as sorted for selection: (start - end, start, end, entry)
Ranked = tuple[int, int, int, Entry]


class SubstanceMatcher:
    def __init__(self, nlp: Language, gz: gaz.Gazetteer, *, cues: Cues, context_window: int,
                 yield_classes: frozenset[str], yield_ids: frozenset[str], yields: dict[str, frozenset[str]],
                 never_letters: frozenset[str]) -> None:
        self.gz = gz
        self.lexicon = lexicon_of(nlp)
        self._drug: dict[Cand, bool] = {}  # _is_drug per gazetteer sense (a finite set)
        # (substance, label, hit attributes) per gazetteer sense (a finite set)
        self._hit_memo: dict[Cand, tuple[gaz.Substance | None, str, tuple[tuple[str, str], ...]]] = {}
        self.yields = yields
        self.never_letters = never_letters
        self.cues = cues
        self.common = frozenset(hash_string(w) for w in gz.common_words)
        self.window = context_window
        self.yield_classes = yield_classes
        self.yield_ids = yield_ids
        patterns: list[tuple[Cand, list[str]]] = []
        for key, toks in gz.patterns:
            sid, _, flags = key.partition("|")
            patterns.append(((sid, flags), toks))
        self.matcher: TokenTrie[Any] = TokenTrie(patterns)
        entries: dict[tuple[Cand, ...], Entry] = {}
        for seq, cands, replace_with in self.matcher.items():
            replace_with(self._entry(seq, cands, entries))
        self.negatives: TokenTrie[int] = TokenTrie([(0, t) for t in gz.negatives if t])
        self.firsts = frozenset(self.matcher.trie.keys() | self.negatives.trie.keys())
        self.bit = self.lexicon.screen(self._screen)
        strings = nlp.vocab.strings
        for label in ("SUBSTANCE", "NPS_CANDIDATE", "CLASS_MENTION", "CONTEXT_SUBSTANCE"):
            strings.add(label)

    def _entry(self, seq: tuple[int, ...], cands: tuple[Cand, ...], memo: dict[Any, Entry]) -> Entry:
        forms, common, generic = self.cues.forms, self.common, self.cues.generic
        key = (cands, all(h in common or h in forms for h in seq), all(h in forms for h in seq),
               all(h in generic for h in seq))
        if key in memo:
            return memo[key]
        firm = tuple(c for c in cands if gaz.AMBIGUOUS not in c[1])
        pick = next((c for c in firm if self._is_drug(c)), firm[0]) if firm else None
        entry = Entry(cands=cands, cand_sids=frozenset(sid for sid, _ in cands), firm=firm, pick=pick,
                      pick_drug=pick is not None and self._is_drug(pick),
                      firm_sids=frozenset(sid for sid, _ in firm),
                      firm_drugs=frozenset(sid for sid, fl in firm if self._is_drug((sid, fl))),
                      everyday=key[1], forms=key[2], generic=key[3],
                      lexicon=all(gaz.LEXICON in fl for _, fl in cands),
                      capitals=any(gaz.CAPITALS in fl for _, fl in cands))
        memo[key] = entry
        return entry

    def _screen(self, text: str, lower: str, flags: int) -> bool:
        """The lexicon's test of a token string: it starts a synonym or a look-alike."""
        return hash_string(lower) in self.firsts

    def __call__(self, doc: Doc) -> Doc:
        f = found(doc, self.lexicon)
        bit = self.bit
        if not f.present & bit:
            return doc
        lower = f.lower
        # the tokens that start a synonym or a look-alike (the screen's bit), for both tries
        starts = positions(f.flags, bit)
        matches = self.matcher(lower, starts)
        if not matches:
            return doc
        blocked: set[int] = set()
        for s, e, _ in self.negatives(lower, starts):
            blocked.update(range(s, e))
        f.matched_tokens.update(blocked)  # look-alikes are never novelty or fuzzy material
        unit_tokens = f.measure_tokens  # "5 g" is an amount, never GHB; "$" never a substance
        # (start - end, start, end, entry): sorted as plain tuples, longest span first, then
        # leftmost, with no key function called per span. A trie yields each (start, end) once,
        # so two tuples never tie on their first three items and entries are never compared.
        spans: list[Ranked] = []
        for s, e, entry in matches:
            if e - s == 1:
                if s not in blocked and s not in unit_tokens:
                    spans.append((-1, s, e, entry))
            elif blocked.isdisjoint(range(s, e)) and unit_tokens.isdisjoint(range(s, e)):
                spans.append((s - e, s, e, entry))
        if spans:
            spans.sort()
            self._emit(doc, f, self._select(doc, f, spans))
        return doc

    # -- selection ---------------------------------------------------------------------------
    def _select(self, doc: Doc, f: Found, order: list[Ranked]) -> list[tuple[int, int, str, str]]:
        # ``order``: longest span first, then leftmost. Each pass walks only its own spans, sorted
        # into them up front: firm spans (pass 1), slang that is no everyday word (pass 2), and the
        # everyday words and one-letter slang that wait for everything else (pass 3, in two
        # stages). Deferring a span before knowing whether pass 2 takes its tokens changes
        # nothing: the taken test at its own stage sees those tokens then.
        firm: set[str] = set()
        hard: list[tuple[int, int, Entry]] = []
        soft: list[tuple[int, int, Entry]] = []
        later: tuple[list[tuple[int, int, Entry]], list[tuple[int, int, Entry]]] = ([], [])
        neighbours: list[tuple[int, int, frozenset[str]]] = []  # firm drug spans
        matched, length = f.matched_tokens, f.length
        for _, s, e, entry in order:
            if entry.firm:
                firm |= entry.firm_sids
                matched.update(range(s, e))
                hard.append((s, e, entry))
                if entry.firm_drugs:
                    neighbours.append((s, e, entry.firm_drugs))
            elif entry.everyday or (e - s == 1 and length[s] == 1):
                later[entry.lexicon or entry.forms].append((s, e, entry))
            else:
                soft.append((s, e, entry))
        taken: set[int] = set()
        out: list[tuple[int, int, str, str]] = []
        identified: set[str] = set()  # drugs the record names (not classes, strains, context)
        for s, e, entry in hard:
            if (s in taken) if e - s == 1 else not taken.isdisjoint(range(s, e)):
                continue
            pick = entry.pick
            if pick is None:  # firm entries always have one
                continue
            out.append((s, e, pick[0], pick[1]))
            taken.update(range(s, e))
            if entry.pick_drug:
                identified.add(pick[0])
        for stage, spans_ in ((1, soft), (2, later[0]), (3, later[1])):
            for s, e, entry in spans_:
                if stage >= 2 and identified and identified.isdisjoint(entry.cand_sids):
                    continue  # _ambiguous's first test, inline: the usual fate of everyday words
                if (s in taken) if e - s == 1 else not taken.isdisjoint(range(s, e)):
                    continue
                picked = self._ambiguous(f, neighbours, s, e, entry, firm, identified, stage=stage)
                if picked is None:
                    continue
                out.append((s, e, picked[0], picked[1]))
                taken.update(range(s, e))
                if self._is_drug(picked):
                    identified.add(picked[0])
        return self._yield_ingredients(self._yield_qualifiers(out))

    def _is_drug(self, cand: Cand) -> bool:
        known = self._drug.get(cand)
        if known is None:
            sub = self.gz.substances.get(cand[0])
            known = self._drug[cand] = (gaz.QUALIFIER not in cand[1] and sub is not None and not sub.generic
                                        and sub.role == "drug")
        return known

    def _ambiguous(self, f: Found, neighbours: list[tuple[int, int, frozenset[str]]], s: int, e: int, entry: Entry,
                   firm: set[str], identified: set[str], *, stage: int) -> Cand | None:
        """The sense an ambiguous span takes, or None when its drug sense is not made plain.
        ``stage`` 1: slang that is no everyday word; 2: everyday words and letters; 3: form words
        and lexicon-only everyday words, decided last against everything else the record names."""
        cands = entry.cands
        if stage >= 2 and identified and identified.isdisjoint(entry.cand_sids):
            return None  # the record names another drug: "crystal clear stealth" in an LSD listing
        if entry.generic:
            return None
        cues, lower = self.cues, f.lower
        if (s > 0 and lower[s - 1] in cues.class_before) or (e < len(lower) and lower[e] in cues.class_after):
            return None  # "the new cathinone", "pyrovalerone analog": a class, not a substance
        start, end = f.idx[s], f.end(e - 1)
        if entry.capitals and not f.text[start:end].isupper():
            return None  # "Doc suggested", "Nep paspoort": an acronym only in capitals
        near = self._firm_neighbours(f, neighbours, s, e) if neighbours else set()
        pool = [c for c in cands if c[0] in near] if near else cands
        if not pool:
            return None
        pick = next((c for c in pool if c[0] in firm), pool[0])
        if stage == 1:
            return pick if near or in_context(f, s, e, self.window, cues.context) else None
        if identified - {pick[0]}:
            return None  # the record names another drug: "crystal clear stealth" in an LSD listing
        if e - s == 1 and f.length[s] == 1:  # one-letter slang: "K shards", "tried H"
            letter = f.text[start]
            if letter.lower() in self.never_letters or (not letter.isupper() and not self._framed(f, s, e)):
                return None
        if stage == 3:  # "crystal 7g", "brown 1g": only right beside an amount
            return pick if self._beside_amount(f, s, e) and not (entry.lexicon and entry.forms) else None
        if pick[0] in identified or self._beside_amount(f, s, e):
            return pick
        return pick if self._form_beside(f, s, e) or self._framed(f, s, e) else None

    def _beside_amount(self, f: Found, s: int, e: int, reach: int = 2) -> bool:
        """An amount, or a purity figure ("90% coke"), within ``reach`` tokens in the clause."""
        lo, hi = clause(f, s, e, reach)
        orth = f.orth
        return any(not s <= i < e and (i in f.measure_tokens or orth[i] == _PERCENT) for i in range(lo, hi))

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

    def _firm_neighbours(self, f: Found, neighbours: list[tuple[int, int, frozenset[str]]], s: int,
                         e: int) -> set[str]:
        """Drugs named unambiguously in the same clause: a form word (crystals, shards, pills)
        next to one of them describes it, not another substance."""
        lo, hi = clause(f, s, e, 4 * self.window)
        out: set[str] = set()
        for s2, e2, sids in neighbours:
            if lo <= s2 and e2 <= hi and (s2, e2) != (s, e):
                out |= sids
        return out

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
        if not self.yields:
            return out
        named = {sid for _, _, sid, _ in out}
        return [h for h in out if not (self.yields.get(h[2], frozenset()) & named)]

    # -- output ------------------------------------------------------------------------------
    def _emit(self, doc: Doc, f: Found, accepted: list[tuple[int, int, str, str]]) -> None:
        subs = self.gz.substances
        named_classes: set[str] | None = None  # built only for a class named in a listing's title
        idx, length, memo = f.idx, f.length, self._hit_memo
        for s, e, sid, flags in sorted(accepted):
            known = memo.get((sid, flags))
            if known is None:
                sub = subs.get(sid)
                known = memo[sid, flags] = (sub, hit_label(sub), (("class", sub.cls if sub else ""),
                                                                  ("match", "context" if gaz.AMBIGUOUS in flags
                                                                   else "exact")))
            sub, label, attrs = known
            start = idx[s]
            end = idx[e - 1] + length[e - 1]
            if label == "CLASS_MENTION" and sub is not None and f.kind == "listing" and end <= f.title_end:
                if named_classes is None:
                    named_classes = {subs[x].cls for _, _, x, _ in accepted if x in subs and not subs[x].generic}
                if sub.cls not in named_classes:
                    label = "SUBSTANCE"  # "Spice herbal blend 3g": an unspecified product is what is sold
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
