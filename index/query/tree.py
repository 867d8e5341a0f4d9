"""The typed tree a query parses into, once; each backend compiles the same tree.

Field names here are canonical (``market:`` and ``source:`` both become ``source``), and values are
normalised (country codes upper-case, ids lower-case), so compilers never re-interpret user text.
"""

from __future__ import annotations

from dataclasses import dataclass

# Structured (exact-match) fields: canonical name → how values are normalised.
TERM_FIELDS: dict[str, str] = {
    "substance": "lower",
    "class": "lower",
    "vendor": "keep",
    "source": "keep",
    "ships_from": "upper",
    "ships_to": "upper",
    "lang": "lower",
    "kind": "lower",
}
# Free-text fields (searched with the stemming analyzer).
TEXT_FIELDS = ("title", "body")
NUMERIC_FIELDS = ("price_usd", "quantity_g")
DATE_FIELDS = ("seen", "first_seen", "last_seen")
FIELD_ALIASES: dict[str, str] = {
    "market": "source",
    "from": "ships_from",
    "to": "ships_to",
    "price": "price_usd",
    "substances": "substance",
    "classes": "class",
}


@dataclass(frozen=True, slots=True)
class Text:
    """Free text: a word or a phrase, in title+body (``field=None``) or one text field."""

    value: str
    field: str | None = None
    phrase: bool = False
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Term:
    """An exact (normalised) value of a structured field, or a value prefix (``mdmb*``)."""

    field: str
    value: str
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Range:
    """A numeric range (floats) or a date range (``YYYY-MM-DD`` strings); None is unbounded."""

    field: str
    low: float | str | None
    high: float | str | None
    include_low: bool = True
    include_high: bool = True


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class MatchAll:
    """The empty query (or ``*``): every document."""


Node = Text | Term | Range | And | Or | Not | MatchAll


def is_text_only(node: Node) -> bool:
    """True when the subtree only tests free text, so it fits in one FTS5 MATCH expression."""
    if isinstance(node, Text):
        return True
    if isinstance(node, (And, Or)):
        return all(is_text_only(c) for c in node.children)
    if isinstance(node, Not):
        return is_text_only(node.child)
    return False


def positive_text(node: Node) -> list[Text]:
    """Text leaves not under a NOT: the terms worth highlighting."""
    if isinstance(node, Text):
        return [node]
    if isinstance(node, (And, Or)):
        return [t for c in node.children for t in positive_text(c)]
    return []
