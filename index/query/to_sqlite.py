"""Compile a query tree into an FTS5 MATCH expression plus a parameterised SQL WHERE clause.

Keyword fields (substance, vendor, from …) are indexed as *tag tokens* in a third FTS5 column, so an
equality filter is a posting list that FTS5 intersects with the text terms in C — the way ES runs
term filters — instead of a table lookup per matching row. The top-level conjunction is split: its
FTS-expressible parts become ONE MATCH expression (FTS5 drives the scan, newest rowid first), ranges
become SQL over the ``docs d`` row, and FTS parts under a mixed OR/NOT fall back to
``d.rid IN (SELECT rowid FROM fts WHERE fts MATCH ?)``. User text only ever reaches MATCH as a
double-quoted FTS5 string, so operators, column names or quotes typed by a user cannot change the
expression's structure (datasette's escaping rule).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from index.query.tree import And, MatchAll, Node, Not, Or, Range, Term, Text

TEXT_COLUMNS = "{title body}"
TAG_CODES = {"substance": 1, "class": 2, "ships_to": 3, "source": 4, "vendor": 5, "ships_from": 6, "lang": 7, "kind": 8}
_COLUMNS = {
    "price_usd": "d.price_usd",
    "quantity_g": "d.quantity_g",
    "first_seen": "d.first_seen",
    "last_seen": "d.last_seen",
}


@dataclass(slots=True)
class SqlQuery:
    """``match`` is None when the query has no top-level free text; ``where`` uses ``?`` params."""

    match: str | None
    where: str
    params: list[object] = field(default_factory=list)


def fts_string(value: str) -> str:
    """Quote text as an FTS5 string: inside double quotes only ``"`` is special (doubled)."""
    return '"' + value.replace('"', '""') + '"'


# Bytes of keyword values spelled with two digits in a tag token ("10", "11", …); any other byte is "0"
# and three digits. No code is a prefix of another, so a value's prefix is a token prefix (``mdmb*``);
# keyword values are mostly these characters, and tags are a third of the text FTS5 tokenises.
_TAG_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-._ /&'+:(),"
_TAG_BYTE_CODES = [str(10 + _TAG_ALPHABET.index(chr(b))) if chr(b) in _TAG_ALPHABET else f"0{b:03d}"
                   for b in range(256)]


def tag_token(field: str, value: str) -> str:
    """One FTS5 token for a keyword value: "9", the field's code, then 2 or 4 digits per UTF-8 byte.

    Digits only, so neither unicode61 (which splits on punctuation) nor porter (which rewrites
    letter suffixes) can alter or merge tokens; a value's prefix encodes to a token prefix (``mdmb*``).
    Names are case-folded, codes upper-cased, ids lower-cased — the same on write and on query.
    """
    if field in ("vendor", "source"):
        value = value.casefold()
    elif field in ("ships_from", "ships_to"):
        value = value.upper()
    else:
        value = value.lower()
    return f"9{TAG_CODES[field]}" + "".join(map(_TAG_BYTE_CODES.__getitem__, value.encode("utf-8")))


def day_micros(day: str, plus_days: int = 0) -> int:
    """Microseconds since the epoch at 00:00 UTC of ``day`` (+ days): the storage unit for times."""
    start = datetime.combine(date.fromisoformat(day) + timedelta(days=plus_days), datetime.min.time())
    return int(start.replace(tzinfo=timezone.utc).timestamp()) * 1_000_000


def fts_expressible(node: Node) -> bool:
    """Whether the subtree can be written in FTS5 syntax (FTS5 has only binary NOT)."""
    if isinstance(node, (Text, Term)):
        return True
    if isinstance(node, Or):
        return all(not isinstance(c, Not) and fts_expressible(c) for c in node.children)
    if isinstance(node, And):
        positives: list[Node] = [c for c in node.children if not isinstance(c, Not)]
        negatives: list[Node] = [c.child for c in node.children if isinstance(c, Not)]
        return bool(positives) and all(fts_expressible(c) for c in positives + negatives)
    return False


def to_fts(node: Node) -> str:
    """FTS5 expression for an :func:`fts_expressible` subtree."""
    if isinstance(node, Text):
        text = fts_string(node.value) + (" *" if node.prefix else "")
        return f"{node.field or TEXT_COLUMNS} : {text}"
    if isinstance(node, Term):
        return f'tags : "{tag_token(node.field, node.value)}"' + (" *" if node.prefix else "")
    if isinstance(node, Or):
        return "(" + " OR ".join(to_fts(c) for c in node.children) + ")"
    if isinstance(node, And):
        return _fts_conjunction(
            [c for c in node.children if not isinstance(c, Not)],
            [c.child for c in node.children if isinstance(c, Not)],
        )
    raise ValueError(f"not expressible in FTS5: {node!r}")


def _fts_conjunction(positives: Sequence[Node], negatives: Sequence[Node]) -> str:
    expr = " AND ".join(to_fts(c) for c in positives)
    if len(positives) > 1 or negatives:
        expr = f"({expr})"
    for neg in negatives:
        expr = f"({expr} NOT {to_fts(neg)})"
    return expr


def compile_sqlite(node: Node) -> SqlQuery:
    """Split the tree into one FTS5 expression (top-level free text) and a SQL WHERE clause."""
    conjuncts: list[Node] = list(node.children) if isinstance(node, And) else [node]
    positives: list[Node] = [c for c in conjuncts if not isinstance(c, Not) and fts_expressible(c)]
    negatives: list[Node] = [c.child for c in conjuncts if isinstance(c, Not) and fts_expressible(c.child)]
    rest: list[Node] = [c for c in conjuncts if not (isinstance(c, Not) or fts_expressible(c))]
    rest += [c for c in conjuncts if isinstance(c, Not) and not fts_expressible(c.child)]
    match = _fts_conjunction(positives, negatives) if positives else None
    if not positives:
        rest += [Not(n) for n in negatives]
    params: list[object] = []
    clauses = [_sql(c, params) for c in rest if not isinstance(c, MatchAll)]
    return SqlQuery(match=match, where=" AND ".join(clauses) if clauses else "1", params=params)


def _sql(node: Node, params: list[object]) -> str:
    if isinstance(node, MatchAll):
        return "1"
    if fts_expressible(node):
        params.append(to_fts(node))
        return "d.rid IN (SELECT rowid FROM fts WHERE fts MATCH ?)"
    if isinstance(node, Not):
        # IFNULL: a missing price is "not > 100" (as in ES must_not), not SQL's unknown.
        return f"NOT IFNULL({_sql(node.child, params)}, 0)"
    if isinstance(node, (And, Or)):
        op = " AND " if isinstance(node, And) else " OR "
        return "(" + op.join(_sql(c, params) for c in node.children) + ")"
    assert isinstance(node, Range)
    return _range_sql(node, params)


def _range_sql(node: Range, params: list[object]) -> str:
    if node.field == "seen":
        # A listing "was seen" in [a, b] when its [first_seen, last_seen] span overlaps it.
        since, until = _date_bounds(node)
        parts = []
        if since is not None:
            parts.append("d.last_seen >= ?")
            params.append(since)
        if until is not None:
            parts.append("d.first_seen < ?")
            params.append(until)
        return "(" + " AND ".join(parts) + ")" if parts else "1"
    column = _COLUMNS[node.field]
    low: float | str | int | None
    high: float | str | int | None
    if node.field in ("first_seen", "last_seen"):
        low, high = _date_bounds(node)
        lo_op, hi_op = ">=", "<"
    else:
        low, high = node.low, node.high
        lo_op = ">=" if node.include_low else ">"
        hi_op = "<=" if node.include_high else "<"
    parts = []
    if low is not None:
        parts.append(f"{column} {lo_op} ?")
        params.append(low)
    if high is not None:
        parts.append(f"{column} {hi_op} ?")
        params.append(high)
    if not parts:
        return f"{column} IS NOT NULL"
    return "(" + " AND ".join(parts) + ")"


def _date_bounds(node: Range) -> tuple[int | None, int | None]:
    """Half-open microsecond bounds [low, high) for a day-granular date range."""
    low = None if node.low is None else day_micros(str(node.low), 0 if node.include_low else 1)
    high = None if node.high is None else day_micros(str(node.high), 1 if node.include_high else 0)
    return low, high
