"""Merge curated names, generated variants and lexicon names into one synonym per text.

Why: the lexicons map the same street word to several drugs ("blue": oxycodone, heroin,
crack, methamphetamine) and list related substances as "synonyms" (DEA lists buphedrone under
mephedrone). The extractor needs one id per name, so every candidate is grouped by match key
and resolved deterministically:

1. curated names win (two curated ids on one key is an input error);
2. else variants of curated names (two ids -> all dropped);
3. else an explicit ``overrides`` entry in lexicon_map.yaml;
4. else the id supported by the most distinct (source, category) lexicon rows; a tie drops all.

Every dropped candidate is reported in conflicts.txt.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from tools.gazetteer.curated import Curated, GazetteerInputError, LexiconMap
from tools.gazetteer.lexicons import LexRow
from tools.gazetteer.normalize import match_key, split_parenthetical, surface_key, variants

#: Order in which a name is credited when several sources attest it: public lexicons first,
#: so the shipped data says where a street/brand name was documented.
SOURCE_ORDER = ("dope", "dea", "dea_controlled", "curated", "variant")


@dataclass(frozen=True)
class Candidate:
    """A proposed (text -> id) pair with its provenance."""

    text: str
    id: str
    source: str
    kind: str | None
    category: str = ""  # lexicon category, for voting and reports


@dataclass
class Resolved:
    """Outcome of the merge."""

    synonyms: dict[str, list[Candidate]] = field(default_factory=dict)  # id -> kept candidates
    conflicts: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)


def curated_candidates(cur: Curated) -> list[Candidate]:
    """Names, synonyms and brand/slang/spelling lists of every curated substance."""
    out: list[Candidate] = []
    for sub in cur.substances:
        out.append(Candidate(sub.name, sub.id, "curated", "name"))
        out += [Candidate(text, sub.id, "curated", kind) for text, kind in sub.names]
    return out


def variant_candidates(cands: list[Candidate]) -> list[Candidate]:
    """Spelling variants of curated names and of DEA chemical names."""
    out: list[Candidate] = []
    for cand in cands:
        if cand.source in ("curated", "dea_controlled"):
            slang = cand.kind in ("slang", "strain")
            out += [Candidate(v, cand.id, "variant", cand.kind) for v in sorted(variants(cand.text, slang=slang))]
    return out


def map_lexicon(rows: list[LexRow], lmap: LexiconMap, index: dict[str, str]) -> tuple[list[Candidate], list[str]]:
    """Turn lexicon rows into candidates via category mapping, overrides and name matching.

    A row whose category maps to an id proposes that id. A row whose category is unmapped
    (DOPE "Unknown", DEA controlled substance names) is matched by text against curated names.
    Explicit overrides always win for their text.
    """
    out: list[Candidate] = []
    unmapped: list[str] = []
    for row in rows:
        key = surface_key(row.text)
        cats = lmap.categories.get(row.source, {})
        cat_key = surface_key(row.category)
        if key in lmap.overrides:
            target = lmap.overrides[key]
        elif cats.get(cat_key):
            target = cats[cat_key]
        elif cat_key in cats and row.source != "dea_controlled":
            target = index.get(match_key(row.text))  # category deliberately unmapped
        else:
            target = index.get(match_key(row.text)) or _category_target(row.category, index)
        if target is None:
            if key not in lmap.overrides:
                unmapped.append(f"{row.source}\t{row.category}\t{row.text}")
            continue
        out.append(Candidate(row.text, target, row.source, row.kind, row.category))
    return out, unmapped


def _category_target(category: str, index: dict[str, str]) -> str | None:
    """Match a DEA substance heading ("Mephedrone (4-Methyl-N-methylcathinone)") to an id."""
    main, inner = split_parenthetical(category)
    for text in (main, *inner):
        if index.get(match_key(text)):
            return index[match_key(text)]
    return None


def _winner(group: list[Candidate], lmap: LexiconMap) -> tuple[str | None, str]:
    """Pick the id for one match key; returns (id or None, rule used)."""
    for source, rule in (("curated", "curated"), ("variant", "variant")):
        ids = {c.id for c in group if c.source == source}
        if len(ids) == 1:
            return ids.pop(), rule
        if len(ids) > 1:
            if source == "curated":
                texts = sorted({f"{c.text}->{c.id}" for c in group if c.source == "curated"})
                raise GazetteerInputError(f"curated names collide: {texts}")
            return None, "variant tie"
    for cand in group:
        if surface_key(cand.text) in lmap.overrides:
            return lmap.overrides[surface_key(cand.text)], "override"
    votes: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for cand in group:
        votes[cand.id].add((cand.source, cand.category))
    ranked = sorted(votes.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    if len(ranked) > 1 and len(ranked[0][1]) == len(ranked[1][1]):
        return None, "lexicon tie"
    return ranked[0][0], "lexicon vote"


def resolve(cands: list[Candidate], lmap: LexiconMap, blocked: set[str]) -> Resolved:
    """Group candidates by match key, choose one id per key, report the rest."""
    res = Resolved()
    groups: dict[str, list[Candidate]] = defaultdict(list)
    for cand in cands:
        groups[match_key(cand.text)].append(cand)
    kept: dict[str, list[Candidate]] = defaultdict(list)
    for key in sorted(groups):
        group = sorted(groups[key], key=lambda c: (c.id, c.source, c.text, c.category))
        if key in blocked:
            if any(c.source == "curated" for c in group):
                raise GazetteerInputError(f"curated name is listed in not_substances: {group[0].text}")
            res.conflicts += [f"not_substance\t{c.text}\t{c.id}\t{c.source}" for c in group]
            continue
        winner, rule = _winner(group, lmap)
        for cand in group:
            if cand.id == winner:
                kept[cand.id].append(cand)
            else:
                kept_as = winner or "-"
                res.conflicts.append(f"{rule}\t{cand.text}\t{cand.id}\t{cand.source}:{cand.category}\tkept:{kept_as}")
    res.synonyms = dict(kept)
    return res
