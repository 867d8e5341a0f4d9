"""Load the hand-written inputs: curated.yaml, lexicon_map.yaml, not_substances.yaml.

Why: these files are edited by analysts; a typo (unknown key, a number where a name was
meant, an ``amb`` entry that names no synonym) must stop the build with a message naming the
substance, not silently produce a thinner gazetteer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tools.gazetteer.normalize import clean_text, surface_key

#: curated list key -> synonym kind written to substances.yaml
LIST_KINDS: dict[str, str] = {"syn": "name", "brand": "brand", "slang": "slang", "spell": "spelling",
                              "strain": "strain"}
#: what a mention of the substance is: a drug ("drug", the default) or a word that only describes
#: drug talk ("context": cutting agents, antidotes, potency figures such as THC %, CBD)
ROLES = frozenset({"drug", "context"})
_ENTRY_KEYS = {"id", "name", "nps", "generic", "controlled", "role", "amb", *LIST_KINDS}


class GazetteerInputError(ValueError):
    """A hand-written input file is malformed."""


@dataclass
class CuratedSubstance:
    """One substance as written in curated.yaml."""

    id: str
    name: str
    klass: str
    nps: bool
    generic: bool = False
    controlled: bool | None = None
    role: str = "drug"
    names: list[tuple[str, str]] = field(default_factory=list)  # (text, kind)
    amb: set[str] = field(default_factory=set)  # surface keys forced ambiguous


@dataclass
class Curated:
    """The whole curated base."""

    version: str
    classes: dict[str, dict[str, Any]]
    substances: list[CuratedSubstance]


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise GazetteerInputError(f"{where}: expected a list of strings, got {value!r}")
    return [clean_text(v) for v in value]


def _entry(raw: dict[str, Any], klass: str, class_nps: bool) -> CuratedSubstance:
    where = f"curated.yaml substance {raw.get('id')!r}"
    unknown = set(raw) - _ENTRY_KEYS
    if unknown or not isinstance(raw.get("id"), str) or not isinstance(raw.get("name"), str):
        raise GazetteerInputError(f"{where}: bad keys {sorted(unknown)} or id/name not strings")
    sub = CuratedSubstance(
        id=raw["id"],
        name=clean_text(raw["name"]),
        klass=klass,
        nps=bool(raw.get("nps", class_nps)),
        generic=bool(raw.get("generic", False)),
        controlled=raw.get("controlled"),
        role=str(raw.get("role", "drug")),
    )
    if sub.role not in ROLES:
        raise GazetteerInputError(f"{where}: role must be one of {sorted(ROLES)}")
    for key, kind in LIST_KINDS.items():
        sub.names += [(text, kind) for text in _strings(raw.get(key, []), f"{where} {key}")]
    sub.amb = {surface_key(t) for t in _strings(raw.get("amb", []), f"{where} amb")}
    known = {surface_key(t) for t, _ in sub.names} | {surface_key(sub.name)}
    if sub.amb - known:
        raise GazetteerInputError(f"{where}: amb names no synonym: {sorted(sub.amb - known)}")
    return sub


def load_curated(path: Path) -> Curated:
    """Parse curated.yaml; substances keep file order (the build sorts the output)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    classes = data["classes"]
    subs: list[CuratedSubstance] = []
    for klass, entries in data["substances"].items():
        if klass not in classes:
            raise GazetteerInputError(f"curated.yaml: unknown class {klass!r}")
        subs += [_entry(e, klass, bool(classes[klass].get("nps", False))) for e in entries]
    return Curated(version=str(data["version"]), classes=classes, substances=subs)


@dataclass
class LexiconMap:
    """How lexicon categories and texts map to gazetteer ids (see lexicon_map.yaml)."""

    categories: dict[str, dict[str, str | None]]  # source -> category -> id | None
    overrides: dict[str, str | None]  # surface key -> id | None (None: never take it)


def load_lexicon_map(path: Path) -> LexiconMap:
    """Parse lexicon_map.yaml; category names are matched case-insensitively."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cats = {
        src: {surface_key(str(k)): v for k, v in (mapping or {}).items()} for src, mapping in data["categories"].items()
    }
    overrides = {surface_key(str(k)): v for k, v in (data.get("overrides") or {}).items()}
    return LexiconMap(categories=cats, overrides=overrides)


def load_not_substances(path: Path) -> list[str]:
    """Flat list of look-alike strings that must never be tagged as a substance."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: list[str] = []
    for group in data["groups"].values():
        out += _strings(group["items"], f"not_substances.yaml {group}")
    return out
