"""Source health for the Sources page, from the record store's ``crawls`` table and the index."""

from __future__ import annotations

import json
from typing import Any

from index.base import SearchRequest
from web.data import DataAccess

STAT_KEYS = {
    "pages": "narcoscope/evidence/pages",
    "blocked": "narcoscope/blocked",
    "listings": "narcoscope/items/listing",
    "errors": "log_count/ERROR",
}


def _stat(stats: dict[str, Any], key: str) -> int:
    value = stats.get(key, 0)
    if isinstance(value, dict):  # a namespaced group (e.g. blocked by reason): add it up
        return sum(int(v) for v in value.values() if isinstance(v, int | float))
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def source_health(data: DataAccess) -> list[dict[str, Any]]:
    """One row per source: its last crawl, that crawl's counts, and how many crawls failed."""
    by_source: dict[str, dict[str, Any]] = {}
    for row in data.query("SELECT * FROM crawls ORDER BY started_at"):
        stats = json.loads(row["stats"] or "{}")
        if not isinstance(stats, dict):
            stats = {}
        # a blocked count may also be kept per reason under "narcoscope/blocked/<reason>"
        blocked = _stat(stats, STAT_KEYS["blocked"]) or sum(
            _stat(stats, k) for k in stats if k.startswith(STAT_KEYS["blocked"] + "/"))
        entry = by_source.setdefault(row["source"], {"source": row["source"], "crawls": 0, "failed": 0})
        entry["crawls"] += 1
        entry["failed"] += row["status"] == "failed"
        entry["last_crawl"] = {
            "crawl_id": row["crawl_id"], "status": row["status"], "observed_at": row["observed_at"],
            "started_at": row["started_at"], "finished_at": row["finished_at"],
            "pages": _stat(stats, STAT_KEYS["pages"]), "blocked": blocked,
            "listings": _stat(stats, STAT_KEYS["listings"]), "errors": _stat(stats, STAT_KEYS["errors"]),
        }
    indexed = dict(data.index().search(SearchRequest(size=0, facets=["source"])).facets.get("source", []))
    for name in indexed:
        by_source.setdefault(name, {"source": name, "crawls": 0, "failed": 0, "last_crawl": None})
    for entry in by_source.values():
        entry["indexed_documents"] = indexed.get(entry["source"], 0)
        last = entry.get("last_crawl") or {}
        entry["health"] = _health(last)
    return sorted(by_source.values(), key=lambda e: e["source"])


def _health(last: dict[str, Any]) -> str:
    """ok / degraded / failing / unknown: a glanceable summary for the table."""
    if not last:
        return "unknown"
    if last.get("status") == "failed" or (last.get("pages", 0) and last.get("blocked", 0) >= last["pages"]):
        return "failing"
    if last.get("errors", 0) or last.get("blocked", 0) or last.get("status") == "running":
        return "degraded"
    return "ok"
