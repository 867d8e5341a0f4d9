"""Search parameters as the UI and the API send them, turned into one query-language string.

The analyst's own query is validated on its own first, so a syntax error's position points into
the text the analyst typed; facet filters are appended as quoted field clauses (values within a
field are ORed, fields are ANDed), which keeps every search expressible — and bookmarkable — as
plain URL parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from index.base import MAX_RESULT_WINDOW, Hit, SearchRequest, SearchResult
from index.documents import PRICE_BANDS, to_json
from index.query import parse_query

# URL parameter -> query-language field
FILTER_FIELDS: dict[str, str] = {
    "substance": "substance", "class": "class", "market": "source", "vendor": "vendor",
    "ships_from": "ships_from", "ships_to": "ships_to", "lang": "lang",
}
DATE_PARAMS: dict[str, tuple[str, str]] = {  # URL parameter -> (field, which bound)
    "first_seen_from": ("first_seen", "low"), "first_seen_to": ("first_seen", "high"),
    "last_seen_from": ("last_seen", "low"), "last_seen_to": ("last_seen", "high"),
}
BAND_LABELS = tuple(label for label, _l, _h in PRICE_BANDS)
# The facets the Search page shows (``lang`` stays available through ``facets=``).
DEFAULT_FACETS = ("substance", "class", "source", "vendor", "ships_from", "ships_to", "price_band")
MAX_PAGE_SIZE = 100
BODY_PREVIEW = 400


class FilterError(ValueError):
    """A filter value the API cannot turn into a query (bad date, unknown price band)."""


def quote(value: str) -> str:
    """A phrase literal for the query language: the value is never parsed as syntax."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(slots=True)
class SearchParams:
    """Everything a search URL can carry."""

    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    price_band: list[str] = field(default_factory=list)
    dates: dict[str, str] = field(default_factory=dict)
    kind: str | None = None
    sort: str = "relevance"
    page: int = 1
    size: int = 20
    facets: tuple[str, ...] = DEFAULT_FACETS

    def query(self) -> str:
        """The analyst's query ANDed with one clause per filter."""
        parts = [f"({self.q})"] if self.q.strip() else []
        for param, values in self.filters.items():
            values = [v for v in values if v]
            if values:
                fld = FILTER_FIELDS[param]
                clause = " OR ".join(f"{fld}:{quote(v)}" for v in values)
                parts.append(f"({clause})" if len(values) > 1 else clause)
        bands = [_band_clause(b) for b in self.price_band if b]
        if bands:
            parts.append("(" + " OR ".join(bands) + ")" if len(bands) > 1 else bands[0])
        parts.extend(_date_clauses(self.dates))
        return " AND ".join(parts)

    def request(self, *, facets: bool = True, highlight: bool = True) -> SearchRequest:
        size = max(0, min(self.size, MAX_PAGE_SIZE))
        offset = max(0, (max(self.page, 1) - 1) * size)
        if offset + size > MAX_RESULT_WINDOW:
            offset = max(0, MAX_RESULT_WINDOW - size)
        return SearchRequest(query=self.query(), kind=self.kind, sort=self.sort,  # type: ignore[arg-type]
                             size=size, offset=offset, facets=list(self.facets) if facets else [],
                             highlight=highlight)

    def validate_own_query(self) -> None:
        """Raise QuerySyntaxError with a position inside the analyst's own text."""
        parse_query(self.q)


def _band_clause(label: str) -> str:
    for name, low, high in PRICE_BANDS:
        if name == label:
            return f"price_usd:[{low:g} TO *]" if high is None else f"price_usd:[{low:g} TO {high:g}}}"
    raise FilterError(f"unknown price band {label!r}; expected one of {BAND_LABELS}")


def _date_clauses(dates: dict[str, str]) -> list[str]:
    bounds: dict[str, dict[str, str]] = {}
    for param, value in dates.items():
        if not value:
            continue
        if len(value) != 10 or value[4] != "-" or value[7] != "-" or not value.replace("-", "").isdigit():
            raise FilterError(f"{param} must be a date YYYY-MM-DD, got {value!r}")
        fld, which = DATE_PARAMS[param]
        bounds.setdefault(fld, {})[which] = value
    return [f"{fld}:[{b.get('low', '*')} TO {b.get('high', '*')}]" for fld, b in bounds.items()]


def hit_json(hit: Hit, *, full_body: bool = False) -> dict[str, Any]:
    """A hit as the API serves it: the document, highlights (HTML-escaped, <mark> only), score."""
    data = to_json(hit.doc)
    if not full_body and len(data["body"]) > BODY_PREVIEW:
        data["body"] = data["body"][:BODY_PREVIEW] + "…"
    data["highlights"] = dict(hit.highlights)
    data["score"] = hit.score
    return data


def result_json(req: SearchRequest, result: SearchResult, params: SearchParams) -> dict[str, Any]:
    return {
        "query": req.query,
        "total": result.total,
        "total_is_lower_bound": result.total_is_lower_bound,
        "page": max(params.page, 1),
        "size": req.size,
        "offset": req.offset,
        "sort": req.sort,
        "took_ms": round(result.took_ms, 2),
        "hits": [hit_json(h) for h in result.hits],
        "facets": {k: [{"value": v, "count": n} for v, n in counts] for k, counts in result.facets.items()},
        "facets_sampled": list(result.facets_sampled),
    }
