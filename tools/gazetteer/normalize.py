"""Text normalisation, match keys and spelling variants for gazetteer names.

Why: the same substance is written "3-MMC", "3mmc", "3 MMC" or "α-PVP"/"a-PVP"/"alpha-PVP".
Two keys are used throughout the build:

* ``surface_key`` — case-folded text with unified dashes/quotes and collapsed spaces; two
  synonyms with the same surface key are the same synonym.
* ``match_key`` — only letters and digits (Greek letters spelled out); two synonyms with the
  same match key must map to the same substance, otherwise they are a conflict.
"""

from __future__ import annotations

import re
import unicodedata

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201b\u2032\u00b4`"), "'")
_QUOTES.update(dict.fromkeys(map(ord, "\u201c\u201d\u201e"), '"'))
#: Greek letters as used in drug names, with their common Latin spellings (short, long).
GREEK: dict[str, tuple[str, str]] = {
    "α": ("a", "alpha"),
    "β": ("b", "beta"),
    "γ": ("g", "gamma"),
    "δ": ("d", "delta"),
    "Δ": ("d", "delta"),
}
_SPACES = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
#: Only a parenthesis after a space is a note ("Flakka (Alpha-PVP)"); "2-(methylamino)" is chemistry.
_PAREN = re.compile(r"\s\(([^()]*)\)")
_JUNK_MARKERS = (
    "precursor",
    "constituent",
    "approved",
    "sold as",
    "not specifically",
    "various",
    "other combination",
    "and others",
    "other ",
    "products",
    "w/",
    "cactus which",
)


def clean_text(text: str) -> str:
    """Return ``text`` NFC-normalised, with unified dashes/quotes and single spaces."""
    text = unicodedata.normalize("NFC", text).translate(_DASHES).translate(_QUOTES)
    return _SPACES.sub(" ", text).strip().strip(",;")


def surface_key(text: str) -> str:
    """Key under which two spellings count as the same synonym."""
    return clean_text(text).casefold()


def match_key(text: str) -> str:
    """Key under which two synonyms must map to the same substance (letters and digits only)."""
    text = clean_text(text)
    for letter, (_, long_form) in GREEK.items():
        text = text.replace(letter, long_form)
    folded = unicodedata.normalize("NFKD", text.casefold())
    # Latin letters lose their accents (NFKD splits them off); other scripts (Cyrillic market
    # slang: "мефедрон", "гашиш") keep their letters instead of collapsing to an empty key.
    return "".join(c for c in folded if c.isalnum())


def split_parenthetical(text: str) -> tuple[str, list[str]]:
    """Split "Flakka (Alpha-PVP)" into ("Flakka", ["Alpha-PVP"]); nested text is kept as is."""
    inner = [m.strip() for m in _PAREN.findall(text) if m.strip()]
    main = clean_text(_PAREN.sub(" ", text))
    return main, inner


def is_junk(text: str) -> bool:
    """True for lexicon cells that are descriptions, not names ("PCP precursor", sentences)."""
    low = text.casefold()
    if not match_key(text) or len(text) > 100:
        return True
    if any(marker in low for marker in _JUNK_MARKERS):
        return True
    return len(low.split()) > 6


def _greek_forms(text: str) -> set[str]:
    forms = {text}
    for letter, spellings in GREEK.items():
        if letter in text:
            forms |= {f.replace(letter, s) for f in forms for s in spellings}
    return forms


def variants(text: str, *, slang: bool = False) -> set[str]:
    """Spelling variants of ``text``: hyphen/space swaps, joined forms, Greek spelled out.

    Slang only gets hyphen/space swaps ("k-pin" -> "k pin"): gluing multi-word street names
    together would only invent strings nobody writes.
    """
    base = clean_text(text)
    out: set[str] = set()
    for form in _greek_forms(base):
        out |= {form, form.replace("-", " "), form.replace(" ", "-")}
        if not slang and len(form.split()) <= 3:
            out.add(form.replace("-", ""))
            out.add(form.replace(" ", ""))
            out.add(re.sub(r"[-\s,']", "", form))
    low = {v.casefold() for v in out if len(match_key(v)) >= 3}
    low.discard(base.casefold())
    return low
