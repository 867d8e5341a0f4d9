"""Compile a query tree into Elasticsearch query DSL (a plain dict, valid on ES 8 and 9).

Free text uses ``phrase`` matching on title and body, which equals FTS5's quoted-string semantics
(tokens adjacent in one field), so both backends return the same documents. Structured fields use
``term``/``prefix`` on keyword fields; dates become explicit half-open UTC instants rather than
relying on ES's rounding of date-only bounds.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from index.query.tree import And, MatchAll, Node, Not, Or, Range, Term, Text

TEXT_SEARCH_FIELDS = ["title", "body"]
ES_FIELDS = {
    "substance": "substances",
    "class": "classes",
    "vendor": "vendor.keyword",
    "source": "source",
    "ships_from": "ships_from",
    "ships_to": "ships_to",
    "lang": "lang",
    "kind": "kind",
    "price_usd": "price_usd",
    "quantity_g": "quantity_g",
    "first_seen": "first_seen",
    "last_seen": "last_seen",
}
# Names typed by analysts in any case: match them case-insensitively, like the SQLite NOCASE columns.
_CASE_INSENSITIVE = {"vendor", "source"}

Dsl = dict[str, Any]


def compile_es(node: Node) -> Dsl:
    """The ``query`` part of a search body."""
    if isinstance(node, MatchAll):
        return {"match_all": {}}
    if isinstance(node, Text):
        return _text(node)
    if isinstance(node, Term):
        return _term(node)
    if isinstance(node, Range):
        return _range(node)
    if isinstance(node, Not):
        return {"bool": {"must_not": [compile_es(node.child)]}}
    if isinstance(node, Or):
        return {"bool": {"should": [compile_es(c) for c in node.children], "minimum_should_match": 1}}
    return _and(node)


def _and(node: And) -> Dsl:
    must = [compile_es(c) for c in node.children if not isinstance(c, (Not, Term, Range))]
    filters = [compile_es(c) for c in node.children if isinstance(c, (Term, Range))]
    must_not = [compile_es(c.child) for c in node.children if isinstance(c, Not)]
    body: Dsl = {}
    for key, clauses in (("must", must), ("filter", filters), ("must_not", must_not)):
        if clauses:
            body[key] = clauses
    return {"bool": body}


def _text(node: Text) -> Dsl:
    fields = [node.field] if node.field else TEXT_SEARCH_FIELDS
    if node.prefix:
        prefixes: list[Dsl] = [{"prefix": {f: {"value": node.value.lower()}}} for f in fields]
        return prefixes[0] if len(prefixes) == 1 else {"bool": {"should": prefixes, "minimum_should_match": 1}}
    if node.field:
        return {"match_phrase": {node.field: {"query": node.value}}}
    return {"multi_match": {"query": node.value, "type": "phrase", "fields": list(fields)}}


def _term(node: Term) -> Dsl:
    field = ES_FIELDS[node.field]
    spec: Dsl = {"value": node.value}
    if node.field in _CASE_INSENSITIVE:
        spec["case_insensitive"] = True
    return {"prefix" if node.prefix else "term": {field: spec}}


def _range(node: Range) -> Dsl:
    if node.field == "seen":
        low, high = _date_bounds(node)
        clauses: list[Dsl] = []
        if low is not None:
            clauses.append({"range": {"last_seen": {"gte": low}}})
        if high is not None:
            clauses.append({"range": {"first_seen": {"lt": high}}})
        return {"bool": {"filter": clauses}} if clauses else {"match_all": {}}
    field = ES_FIELDS[node.field]
    if node.field in ("first_seen", "last_seen"):
        low, high = _date_bounds(node)
        spec: Dsl = {}
        if low is not None:
            spec["gte"] = low
        if high is not None:
            spec["lt"] = high
    else:
        spec = {}
        if node.low is not None:
            spec["gte" if node.include_low else "gt"] = node.low
        if node.high is not None:
            spec["lte" if node.include_high else "lt"] = node.high
    if not spec:
        return {"exists": {"field": field}}
    return {"range": {field: spec}}


def _date_bounds(node: Range) -> tuple[str | None, str | None]:
    def instant(day: object, plus: int) -> str:
        return (date.fromisoformat(str(day)) + timedelta(days=plus)).isoformat() + "T00:00:00.000Z"

    low = None if node.low is None else instant(node.low, 0 if node.include_low else 1)
    high = None if node.high is None else instant(node.high, 1 if node.include_high else 0)
    return low, high
