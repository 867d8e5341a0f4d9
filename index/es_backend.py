"""The Elasticsearch backend (official ``elasticsearch`` client; works against ES 8 and 9).

Layout: listings in ``{prefix}-listings`` (an alias to a backing index created with the explicit,
``dynamic: strict`` mapping from ``config/elasticsearch``); observations in monthly indices
``{prefix}-obs-YYYY.MM`` that an index template maps and puts behind the ``{prefix}-obs`` alias;
crawl volumes in ``{prefix}-volumes``. Writes go through ``helpers.streaming_bulk`` with retries
and back-off; every ``_id`` is the caller's deterministic id, so a re-sent batch updates in place.
Nothing connects at construction: a down cluster surfaces as :class:`IndexWriteError` on write,
which the spool catches.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from elastic_transport import Transport
from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers

from index import _es_requests as req_bodies
from index.base import (
    Hit,
    IndexWriteError,
    InvalidRequestError,
    SearchRequest,
    SearchResult,
    WeeklyAggregation,
    WeeklyRow,
    WeeklyTotal,
    check_weekly_by,
)
from index.documents import PRICE_BANDS, CrawlVolume, IndexDoc, ObservationDoc, from_json, iso_week, to_json, utc
from index.query import parse_query

log = logging.getLogger(__name__)

# Keep the earliest first_seen and the latest last_seen (fixed-width UTC strings compare as times).
UPSERT_SCRIPT = (
    "String f = ctx._source.first_seen; String l = ctx._source.last_seen; "
    "ctx._source.clear(); ctx._source.putAll(params.doc); "
    "if (f != null && f.compareTo(params.doc.first_seen) < 0) { ctx._source.first_seen = f; } "
    "if (l != null && l.compareTo(params.doc.last_seen) > 0) { ctx._source.last_seen = l; }"
)
MAX_WEEKLY_DOC_IDS = 65_536  # ES's default index.max_terms_count


class Es8CompatibleTransport(Transport):
    """Ask for API compatibility with 8: ES 8 rejects the 9.x client's ``compatible-with=9``
    headers, while ES 9 serves ``compatible-with=8`` requests — so one client works with both."""

    def perform_request(self, method: str, target: str, **kwargs: Any) -> Any:  # type: ignore[override]
        headers = kwargs.get("headers")
        if isinstance(headers, Mapping):
            headers = dict(headers)
            for name in ("accept", "content-type"):
                if name in headers:
                    headers[name] = headers[name].replace("compatible-with=9", "compatible-with=8")
            kwargs["headers"] = headers
        return super().perform_request(method, target, **kwargs)


def client_from_env(url: str) -> Elasticsearch:
    """A client for ``url`` with credentials from the environment only (never from the URL/logs)."""
    options: dict[str, Any] = {
        "request_timeout": 30,
        "retry_on_timeout": True,
        "max_retries": 2,
        "transport_class": Es8CompatibleTransport,
    }
    if os.environ.get("NARCOSCOPE_ES_API_KEY"):
        options["api_key"] = os.environ["NARCOSCOPE_ES_API_KEY"]
    elif os.environ.get("NARCOSCOPE_ES_USER"):
        options["basic_auth"] = (os.environ["NARCOSCOPE_ES_USER"], os.environ.get("NARCOSCOPE_ES_PASSWORD", ""))
    if os.environ.get("NARCOSCOPE_ES_CA_CERTS"):
        options["ca_certs"] = os.environ["NARCOSCOPE_ES_CA_CERTS"]
    return Elasticsearch(url, **options)


class ElasticsearchIndex:
    """:class:`index.base.Index` over an Elasticsearch cluster."""

    def __init__(self, client: Elasticsearch, *, prefix: str = "narcoscope", refresh: bool = False,
                 chunk_size: int = 500, max_retries: int = 3, initial_backoff: float = 1.0) -> None:
        self.client = client
        self.prefix = prefix
        self.refresh = refresh
        self.chunk_size = chunk_size
        self.max_retries = max_retries
        self.initial_backoff = initial_backoff
        self.listings = f"{prefix}-listings"
        self.observations = f"{prefix}-obs"
        self.volumes = f"{prefix}-volumes"
        self._ready = False

    @classmethod
    def from_url(cls, url: str) -> ElasticsearchIndex:
        """``https://host:9200?prefix=narcoscope&refresh=true`` (query options are optional)."""
        parts = urlsplit(url)
        opts = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        return cls(client_from_env(base), prefix=opts.get("prefix", "narcoscope"),
                   refresh=opts.get("refresh", "false").lower() in ("1", "true", "yes"))

    def obs_index(self, observed_at: datetime) -> str:
        return f"{self.prefix}-obs-{utc(observed_at):%Y.%m}"

    def ensure_setup(self) -> None:
        """Create the template, the listings index+alias and the volumes index when missing."""
        if self._ready:
            return
        indices = self.client.indices
        indices.put_index_template(name=f"{self.prefix}-obs", **req_bodies.observations_template_body(self.prefix))
        if not indices.exists_alias(name=self.listings):
            body = req_bodies.listings_index_body(self.listings)
            indices.create(index=f"{self.listings}-000001", **body)
        if not indices.exists(index=self.volumes):
            indices.create(index=self.volumes, mappings=req_bodies.load_config("volumes.mappings.json"))
        self._ready = True

    def _actions(self, docs: list[IndexDoc], observations: list[ObservationDoc], volumes: list[CrawlVolume]
                 ) -> Iterator[dict[str, Any]]:
        for doc in docs:
            source = to_json(doc)
            yield {"_op_type": "update", "_index": self.listings, "_id": doc.doc_id, "retry_on_conflict": 3,
                   "script": {"source": UPSERT_SCRIPT, "lang": "painless", "params": {"doc": source}},
                   "upsert": source}
        for obs in observations:
            source = to_json(obs)
            source["vendor"] = obs.vendor or None  # no vendor is not a vendor ("" would be counted)
            yield {"_op_type": "index", "_index": self.obs_index(obs.observed_at), "_id": obs.obs_id,
                   "_source": source}
        for vol in volumes:
            yield {"_op_type": "index", "_index": self.volumes, "_id": f"{vol.source}|{vol.week}",
                   "_source": to_json(vol)}

    def write_batch(self, docs: Iterable[IndexDoc], observations: Iterable[ObservationDoc] = (),
                    volumes: Iterable[CrawlVolume] = ()) -> None:
        batch = (list(docs), list(observations), list(volumes))
        failures: list[Any] = []
        try:
            self.ensure_setup()
            for ok, item in helpers.streaming_bulk(
                self.client, self._actions(*batch), chunk_size=self.chunk_size, max_retries=self.max_retries,
                initial_backoff=self.initial_backoff, max_backoff=30, raise_on_error=False,
                raise_on_exception=True, refresh="wait_for" if self.refresh else False,
            ):
                if not ok:
                    failures.append(item)
        except (TransportError, ApiError, helpers.BulkIndexError) as exc:
            raise IndexWriteError(f"Elasticsearch bulk write failed: {type(exc).__name__}: {exc}") from exc
        if failures:
            raise IndexWriteError(f"Elasticsearch rejected {len(failures)} actions; first: {failures[0]}")

    def search(self, req: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        req.validate()
        tree = parse_query(req.query)
        self.ensure_setup()
        resp = self.client.search(index=self.listings, **req_bodies.search_body(req, tree)).body
        total = resp["hits"]["total"]
        hits = [
            Hit(doc=from_json(IndexDoc, h["_source"]), score=h.get("_score"),
                highlights={f: " … ".join(v) for f, v in h.get("highlight", {}).items()})
            for h in resp["hits"]["hits"]
        ]
        facets = {f: _facet_buckets(f, resp.get("aggregations", {}).get(f, {})) for f in req.facets}
        return SearchResult(total=total["value"], total_is_lower_bound=total["relation"] == "gte", hits=hits,
                            facets=facets, took_ms=(time.perf_counter() - started) * 1000.0)

    def get(self, doc_id: str) -> IndexDoc | None:
        self.ensure_setup()
        try:  # GET is real-time (no refresh needed); the alias has exactly one backing index
            resp = self.client.get(index=self.listings, id=doc_id).body
        except NotFoundError:
            return None
        return from_json(IndexDoc, resp["_source"])

    def weekly(self, by: str, *, query: str = "", start: date | None = None, end: date | None = None
               ) -> WeeklyAggregation:
        check_weekly_by(by)
        started = time.perf_counter()
        self.ensure_setup()
        doc_ids = self._matching_ids(query) if query.strip() else None
        resp = self.client.search(index=self.observations, **req_bodies.weekly_body(by, start, end, doc_ids)).body
        rows = []
        for week in resp["aggregations"]["weeks"]["buckets"]:
            label = _week_label(week["key"])
            for key in week["keys"]["buckets"]:
                rows.append(WeeklyRow(label, key["key"], key["doc_count"], key["listings"]["value"],
                                      key["vendors"]["value"], key["markets"]["value"]))
        rows.sort(key=lambda r: (r.week, r.key))
        return WeeklyAggregation(by=by, rows=rows, totals=self._totals(start, end),
                                 took_ms=(time.perf_counter() - started) * 1000.0)

    def _matching_ids(self, query: str) -> list[str]:
        body = req_bodies.search_body(SearchRequest(query=query), parse_query(query))
        ids = [h["_id"] for h in helpers.scan(self.client, index=self.listings, query={"query": body["query"]},
                                               _source=False, size=5000)]
        if len(ids) > MAX_WEEKLY_DOC_IDS:
            raise InvalidRequestError(f"query matches {len(ids)} listings; weekly on ES allows "
                                      f"{MAX_WEEKLY_DOC_IDS} — narrow it down")
        return ids

    def _totals(self, start: date | None, end: date | None) -> list[WeeklyTotal]:
        observed_body, crawl_body = req_bodies.totals_bodies(start, end)
        observed = self.client.search(index=self.observations, **observed_body).body
        crawl = self.client.search(index=self.volumes, **crawl_body).body
        seen = {_week_label(b["key"]): (b["doc_count"], b["listings"]["value"])
                for b in observed["aggregations"]["weeks"]["buckets"]}
        vols = {b["key"]: (int(b["pages"]["value"]), int(b["listings"]["value"]))
                for b in crawl["aggregations"]["weeks"]["buckets"]}
        return [WeeklyTotal(w, vols.get(w, (0, 0))[0], vols.get(w, (0, 0))[1], seen.get(w, (0, 0))[0],
                            seen.get(w, (0, 0))[1]) for w in sorted(set(seen) | set(vols))]

    def delete_source(self, source: str) -> int:
        try:
            self.ensure_setup()
            query = {"term": {"source": source}}
            removed = self.client.delete_by_query(index=self.listings, query=query, refresh=True,
                                                  conflicts="proceed").body["deleted"]
            for index in (self.observations, self.volumes):
                self.client.delete_by_query(index=index, query=query, refresh=True, conflicts="proceed",
                                            allow_no_indices=True, ignore_unavailable=True)
        except (TransportError, ApiError) as exc:
            raise IndexWriteError(f"deleting source {source!r} failed: {exc}") from exc
        return int(removed)

    def count(self) -> int:
        self.ensure_setup()
        return int(self.client.count(index=self.listings).body["count"])

    def drop_all(self) -> None:
        """Delete every index, alias and template of this prefix (tests and re-indexing)."""
        self.client.options(ignore_status=404).indices.delete(index=f"{self.prefix}-*")
        self.client.options(ignore_status=404).indices.delete_index_template(name=f"{self.prefix}-obs")
        self._ready = False

    def close(self) -> None:
        self.client.close()


def _week_label(epoch_ms: int) -> str:
    return iso_week(datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc))


def _facet_buckets(field: str, agg: dict[str, Any]) -> list[tuple[str, int]]:
    buckets = agg.get("buckets", [])
    if field == "price_band":
        counts = {b["key"]: b["doc_count"] for b in buckets}
        return [(label, counts[label]) for label, _l, _h in PRICE_BANDS if counts.get(label)]
    return [(b["key"], b["doc_count"]) for b in buckets]

