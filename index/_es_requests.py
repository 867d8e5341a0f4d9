"""Pure builders of Elasticsearch request bodies (no client, no network), so golden files can
pin exactly what the ES backend sends; ``es_backend`` only executes them and parses answers."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from index.base import TOTAL_HITS_CAP, SearchRequest
from index.documents import PRICE_BANDS, format_time, iso_week
from index.query import compile_es
from index.query.tree import Node

CONFIG_DIR = Path(__file__).resolve().parents[1] / "config" / "elasticsearch"
FACET_FIELDS_ES = {
    "substance": "substances",
    "class": "classes",
    "source": "source",
    "vendor": "vendor.keyword",
    "ships_from": "ships_from",
    "ships_to": "ships_to",
    "lang": "lang",
}
WEEKLY_FIELDS_ES = {"substance": "substances", "class": "classes", "source": "source", "ships_from": "ships_from"}
FACET_SIZE = 20
_TIEBREAK = [{"first_seen": {"order": "desc"}}, {"doc_id": {"order": "asc"}}]
_SORTS: dict[str, list[Any]] = {
    "relevance": ["_score", *_TIEBREAK],
    "newest": _TIEBREAK,
    "last_seen": [{"last_seen": {"order": "desc"}}, *_TIEBREAK],
    "price_asc": [{"price_usd": {"order": "asc", "missing": "_last"}}, *_TIEBREAK],
    "price_desc": [{"price_usd": {"order": "desc", "missing": "_last"}}, *_TIEBREAK],
}


def load_config(name: str) -> dict[str, Any]:
    """A JSON file from ``config/elasticsearch`` (``_comment`` keys are documentation, dropped)."""
    data: dict[str, Any] = json.loads((CONFIG_DIR / name).read_text(encoding="utf-8"))
    data.pop("_comment", None)
    return data


def listings_index_body(alias: str) -> dict[str, Any]:
    """Settings, mappings and write alias for a new listings backing index."""
    return {
        "settings": {"analysis": load_config("analysis.json"), "number_of_shards": 1},
        "mappings": load_config("listings.mappings.json"),
        "aliases": {alias: {"is_write_index": True}},
    }


def observations_template_body(prefix: str) -> dict[str, Any]:
    """The index template that gives every monthly observation index its mapping and alias."""
    body = load_config("observations.template.json")
    body["index_patterns"] = [f"{prefix}-obs-*"]
    body["template"]["aliases"] = {f"{prefix}-obs": {}}
    return body


def search_body(req: SearchRequest, tree: Node) -> dict[str, Any]:
    """The ``_search`` body for a request (query, paging, sort, facets, highlight)."""
    query = compile_es(tree)
    if req.kind:
        query = {"bool": {"must": [query], "filter": [{"term": {"kind": req.kind}}]}}
    body: dict[str, Any] = {
        "query": query,
        "from": req.offset,
        "size": req.size,
        "track_total_hits": TOTAL_HITS_CAP,
        "sort": _SORTS[req.sort],
    }
    if req.facets:
        body["aggs"] = {f: facet_agg(f) for f in req.facets}
    if req.highlight:
        body["highlight"] = {
            "encoder": "html",
            "pre_tags": ["<mark>"],
            "post_tags": ["</mark>"],
            "require_field_match": True,
            "fields": {"title": {"number_of_fragments": 0}, "body": {"fragment_size": 200, "number_of_fragments": 1}},
        }
    return body


def facet_agg(field: str) -> dict[str, Any]:
    if field == "price_band":
        ranges = []
        for label, low, high in PRICE_BANDS:
            rng: dict[str, Any] = {"key": label}
            if low > 0:
                rng["from"] = low
            if high is not None:
                rng["to"] = high
            ranges.append(rng)
        return {"range": {"field": "price_usd", "ranges": ranges}}
    order = [{"_count": "desc"}, {"_key": "asc"}]
    return {"terms": {"field": FACET_FIELDS_ES[field], "size": FACET_SIZE, "order": order}}


def week_bounds(start: date | None, end: date | None) -> dict[str, str]:
    """Whole ISO weeks: from the Monday of start's week to the Monday after end's week."""
    spec = {}
    if start:
        monday = start - timedelta(days=start.weekday())
        spec["gte"] = format_time(datetime.combine(monday, datetime.min.time(), timezone.utc))
    if end:
        next_monday = end + timedelta(days=7 - end.weekday())
        spec["lt"] = format_time(datetime.combine(next_monday, datetime.min.time(), timezone.utc))
    return spec


def weekly_body(by: str, start: date | None, end: date | None, doc_ids: list[str] | None) -> dict[str, Any]:
    """Aggregation over observations: ISO weeks × keys, with distinct listings/vendors/markets."""
    filters: list[dict[str, Any]] = []
    bounds = week_bounds(start, end)
    if bounds:
        filters.append({"range": {"observed_at": bounds}})
    if doc_ids is not None:
        filters.append({"terms": {"doc_id": doc_ids}})

    def distinct(field: str) -> dict[str, Any]:
        return {"cardinality": {"field": field, "precision_threshold": 40000}}

    return {
        "size": 0,
        "query": {"bool": {"filter": filters}},
        "aggs": {"weeks": {
            "date_histogram": {"field": "observed_at", "calendar_interval": "week", "min_doc_count": 1},
            "aggs": {"keys": {
                "terms": {"field": WEEKLY_FIELDS_ES[by], "size": 10000},
                "aggs": {"listings": distinct("doc_id"), "vendors": distinct("vendor"), "markets": distinct("source")},
            }},
        }},
    }


def totals_bodies(start: date | None, end: date | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(observation totals per week, crawl volume per week): the denominators, never query-filtered."""
    bounds = week_bounds(start, end)
    obs_query: dict[str, Any] = {"range": {"observed_at": bounds}} if bounds else {"match_all": {}}
    observed = {
        "size": 0,
        "query": obs_query,
        "aggs": {"weeks": {
            "date_histogram": {"field": "observed_at", "calendar_interval": "week", "min_doc_count": 1},
            "aggs": {"listings": {"cardinality": {"field": "doc_id", "precision_threshold": 40000}}},
        }},
    }
    week_range = {}
    if start:
        week_range["gte"] = iso_week(start)
    if end:
        week_range["lte"] = iso_week(end)
    crawl = {
        "size": 0,
        "query": {"range": {"week": week_range}} if week_range else {"match_all": {}},
        "aggs": {"weeks": {"terms": {"field": "week", "size": 10000},
                           "aggs": {"pages": {"sum": {"field": "pages"}}, "listings": {"sum": {"field": "listings"}}}}},
    }
    return observed, crawl
