"""Countries and the many ways market pages write "ships from" and "ships to".

Truth codes are ISO 3166-1 alpha-2, plus "EU", "WW" (worldwide) and "XX" (unknown, e.g. the
joke country "Torland").
"""

from __future__ import annotations

import random

COUNTRIES: dict[str, str] = {
    "NL": "Netherlands", "DE": "Germany", "GB": "United Kingdom", "US": "United States",
    "CA": "Canada", "AU": "Australia", "FR": "France", "ES": "Spain", "BE": "Belgium",
    "PL": "Poland", "CZ": "Czech Republic", "IT": "Italy", "AT": "Austria", "SE": "Sweden",
    "RU": "Russia", "CN": "China", "IN": "India", "CO": "Colombia", "PT": "Portugal",
    "CH": "Switzerland",
}
# informal spellings vendors actually use (still unambiguous)
ALIASES: dict[str, tuple[str, ...]] = {
    "GB": ("UK", "England", "United Kingdom"),
    "US": ("USA", "United States", "U.S.A."),
    "NL": ("Netherlands", "Holland", "The Netherlands"),
    "DE": ("Germany", "Deutschland"),
}


def flag(code: str) -> str:
    """The regional-indicator flag emoji for an ISO code (EU has one too)."""
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in code.upper())


def country_name(code: str) -> str:
    """English name for a code, including the pseudo-codes."""
    if code == "EU":
        return "European Union"
    if code == "WW":
        return "Worldwide"
    if code == "XX":
        return "Torland"
    return COUNTRIES[code]


def origin_text(code: str, rng: random.Random, allow_code: bool = True) -> str:
    """A "ships from" value as a vendor would type it."""
    if code == "XX":
        return "Torland"
    if code == "EU":
        return rng.choice(("EU", "Europe", "European Union"))
    forms = list(ALIASES.get(code, (COUNTRIES[code],)))
    if allow_code and code != "GB":
        forms.append(code)
    return rng.choice(forms)


def dest_text(codes: list[str], rng: random.Random) -> str:
    """A "ships to" value: "Worldwide", "WW", "EU, UK", "Germany, Austria" …"""
    parts = []
    for code in codes:
        if code == "WW":
            parts.append(rng.choice(("Worldwide", "WW", "World Wide")))
        elif code == "EU":
            parts.append(rng.choice(("EU", "Europe")))
        else:
            parts.append(origin_text(code, rng))
    return ", ".join(parts)


def pick_destinations(origin: str, rng: random.Random) -> list[str]:
    """Plausible destination sets for a vendor shipping from ``origin``."""
    eu_members = {"NL", "DE", "FR", "ES", "BE", "PL", "CZ", "IT", "AT", "SE", "PT"}
    options: list[list[str]] = [["WW"], ["WW"]]
    if origin in eu_members or origin == "EU":
        options += [["EU"], ["EU"], ["EU", "GB"], ["EU", "WW"]]
    if origin in COUNTRIES:
        options.append([origin])
    if origin in ("US", "CA"):
        options += [["US", "CA"], ["US"]]
    if origin == "AU":
        options.append(["AU"])
    return list(rng.choice(options))
