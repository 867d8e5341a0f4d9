"""Vendor personas: names, PGP keys, origins, and which markets they sell on (and when).

Some personas sell on two markets with the same key under the same or a slightly different
name; several velvet-alley vendors migrate to another market when it is seized.
"""

from __future__ import annotations

import random

from demosites.catalog import DRUG_CATEGORIES
from demosites.model import Account, Persona
from demosites.pgp import make_key
from demosites.weeks import EPOCH, SEIZURE_WEEK

_PREFIX = ("Dutch", "Euro", "Royal", "Golden", "Silk", "Nordic", "Alpine", "Berlin", "Lucky",
           "Green", "Dr", "Pharma", "Candy", "Happy", "Magic", "Ghost", "Shadow", "Stealth",
           "Prime", "Top", "Snow", "Mr", "Captain", "Blue", "Red", "Cosmic", "Zen", "Polar",
           "Iron", "Lazy", "Rocket", "Velvet", "Wizard", "Ninja", "Bavarian", "Amsterdam")
_SUFFIX = ("Direct", "Connect", "Supply", "Labs", "Pharmacy", "King", "Queen", "Express",
           "Store", "Shop", "Vendor", "Chems", "Trading", "Bros", "House", "Garden", "Factory",
           "Dealer", "Crew", "Plug")
_ORIGINS = {"NL": 5, "DE": 5, "GB": 4, "US": 5, "CA": 1, "AU": 1, "FR": 2, "ES": 2, "BE": 1,
            "PL": 2, "CZ": 1, "IT": 1, "RU": 2, "CN": 1, "IN": 1, "CO": 1, "EU": 2, "XX": 2}
_LANG = {"DE": "de", "AT": "de", "FR": "fr", "ES": "es", "NL": "nl", "PL": "pl", "RU": "ru"}
_CAT_WEIGHTS = {"stimulants": 5, "ecstasy": 3, "opioids": 2, "benzos": 3, "psychedelics": 3,
                "dissociatives": 2, "cannabis": 5, "rcs": 2, "prescription": 2, "other": 1}
_FIRST_SPEC = ("cannabis", "stimulants", "benzos", "ecstasy", "psychedelics", "stimulants",
               "cannabis", "opioids", "dissociatives", "rcs", "benzos", "prescription",
               "ecstasy", "cannabis", "psychedelics", "other", "stimulants")
# membership plan: (markets, count)
_PLAN: tuple[tuple[tuple[str, ...], int], ...] = (
    (("tortuga",), 9), (("nightjar",), 11), (("velvet-alley",), 9),
    (("tortuga", "nightjar"), 4), (("nightjar", "velvet-alley"), 3),
    (("tortuga", "velvet-alley"), 2),
)
_BIOS = ("Trusted vendor since 2019. Fast shipping, best stealth.",
         "We only sell what we use ourselves. PGP mandatory!!",
         "Family business 👨‍👩‍👦 - quality first.",
         "Back from vacation, all listings restocked.",
         "No FE for new buyers. Read the terms before ordering.")


def _unique_name(rng: random.Random, taken: set[str]) -> str:
    while True:
        name = rng.choice(_PREFIX) + rng.choice(_SUFFIX)
        roll = rng.random()
        if roll < 0.15:
            name += str(rng.randint(2, 99))
        elif roll < 0.25:
            name = name.lower()
        elif roll < 0.32:
            name = rng.choice(_PREFIX) + "_" + rng.choice(_SUFFIX).lower()
        if name.casefold() not in taken:
            taken.add(name.casefold())
            return name


def name_variant(name: str, origin: str, rng: random.Random) -> str:
    """The same vendor's name on another market: identical most of the time, else close."""
    roll = rng.random()
    if roll < 0.5:
        return name
    if roll < 0.7:
        return name.lower() if name != name.lower() else name.upper()
    if roll < 0.85 and origin not in ("XX", "EU"):
        return f"{name}_{origin}"
    return f"{name}Official"


def _persona(idx: int, rng: random.Random, taken: set[str]) -> Persona:
    name = _unique_name(rng, taken)
    origin = rng.choices(list(_ORIGINS), weights=list(_ORIGINS.values()))[0]
    cats = list(DRUG_CATEGORIES)
    n_spec = rng.randint(1, 3)
    specs: list[str] = [_FIRST_SPEC[idx % len(_FIRST_SPEC)]]  # spread over all categories
    while len(specs) < n_spec:
        cat = rng.choices(cats, weights=[_CAT_WEIGHTS[c] for c in cats])[0]
        if cat not in specs:
            specs.append(cat)
    if origin in ("CN", "IN"):
        specs = ["rcs", "prescription"]
    created = int(EPOCH.timestamp()) - rng.randint(200, 2000) * 86400
    key = make_key(rng, f"{name} <{name.lower()}@protonmail.invalid>", created)
    return Persona(f"P{idx:02d}", name, key, origin, _LANG.get(origin), tuple(specs))


def _account(persona: Persona, market: str, name: str, join: int, rng: random.Random) -> Account:
    return Account(market, name, persona.pid, join, rng.uniform(0.5, 3.0),
                   round(rng.uniform(4.2, 5.0), 2), rng.randint(12, 4000), rng.choice(_BIOS))


def build_personas(seed: int) -> list[Persona]:
    """All personas with their accounts; deterministic for ``seed``."""
    rng = random.Random(f"{seed}:vendors")
    taken: set[str] = set()
    personas: list[Persona] = []
    for markets, count in _PLAN:
        for _ in range(count):
            persona = _persona(len(personas), rng, taken)
            _localise(len(personas), persona)
            join = rng.randint(2, 14) if len(markets) == 1 and rng.random() < 0.2 else 0
            for i, market in enumerate(markets):
                name = persona.base_name if i == 0 else name_variant(persona.base_name,
                                                                     persona.origin, rng)
                persona.accounts[market] = _account(persona, market, name, join, rng)
            personas.append(persona)
    _migrate(personas, rng)
    return personas


# (persona index, origin, specialties): one seller per language, spread over the markets,
# so every seed has listings in German, Dutch, Russian, Spanish, French and Polish
_LOCAL_SELLERS = ((0, "DE", ("stimulants", "cannabis")), (9, "NL", ("ecstasy", "dissociatives")),
                  (20, "RU", ("rcs", "cannabis")), (29, "ES", ("stimulants", "cannabis")),
                  (33, "FR", ("stimulants", "cannabis")), (36, "PL", ("stimulants", "rcs")))


def _localise(idx: int, persona: Persona) -> None:
    for local_idx, origin, specs in _LOCAL_SELLERS:
        if local_idx == idx:
            persona.origin, persona.lang, persona.specialties = origin, _LANG[origin], specs


def _migrate(personas: list[Persona], rng: random.Random) -> None:
    """After the seizure, about half the velvet-only vendors open shop elsewhere."""
    velvet_only = [p for p in personas if list(p.accounts) == ["velvet-alley"]]
    for i, persona in enumerate(velvet_only):
        if i % 2:
            continue
        market = "tortuga" if (i // 2) % 2 == 0 else "nightjar"
        join = SEIZURE_WEEK + rng.randint(0, 2)
        name = name_variant(persona.base_name, persona.origin, rng)
        persona.accounts[market] = _account(persona, market, name, join, rng)
