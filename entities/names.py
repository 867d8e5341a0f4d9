"""Vendor-name comparison: the weak tier of identity evidence.

Names are cheap to copy (impersonators, common words), so a name match alone never merges
identities; it is shown beside the strong evidence as "possibly the same". Two tiers here:
``name`` — equal ignoring case; ``name_similar`` — equal once separators, a country suffix or an
"official" tag are dropped ("DutchShop" ~ "Dutch_Shop" ~ "dutchshop_NL"), or nearly equal.
"""

from __future__ import annotations

import re

from rapidfuzz.distance import Levenshtein

_SEPARATORS = re.compile(r"[\s_\-.]+")
_TAGS = re.compile(r"(?i)(?:[_\-.\s]?(?:official|offical|original))+$")
_COUNTRY = re.compile(r"[_\-.\s](?:[A-Za-z]{2}|EU|UK)$")
MIN_SIMILAR_LEN = 6  # "bob" ~ "bo" says nothing


def exact_key(name: str) -> str:
    return name.strip().casefold()


def loose_key(name: str) -> str:
    """The name without separators, a trailing country code or an "official" tag, case-folded."""
    core = _COUNTRY.sub("", name.strip())
    core = _TAGS.sub("", core) or core
    return _SEPARATORS.sub("", core).casefold()


def similar(a: str, b: str) -> bool:
    """True for names a person would call "the same vendor name, differently written"."""
    if exact_key(a) == exact_key(b):
        return False  # that is the ``name`` tier
    ka, kb = loose_key(a), loose_key(b)
    if min(len(ka), len(kb)) < MIN_SIMILAR_LEN:
        return False
    return ka == kb or Levenshtein.distance(ka, kb) <= 1
