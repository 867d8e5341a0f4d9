"""The one interface every index backend implements, and the factory that picks a backend.

Callers (web, reports, the pipeline) only see this module's types, so swapping SQLite for
Elasticsearch is a URL change; one behavioural test suite runs against each backend.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Protocol, runtime_checkable

from index.documents import CrawlVolume, IndexDoc, ObservationDoc

SortOrder = Literal["relevance", "newest", "price_asc", "price_desc", "last_seen"]
WeeklyBy = Literal["substance", "class", "source", "ships_from"]

FACET_FIELDS = ("substance", "class", "source", "vendor", "ships_from", "ships_to", "price_band", "lang")
SORT_ORDERS = ("relevance", "newest", "price_asc", "price_desc", "last_seen")
WEEKLY_BY = ("substance", "class", "source", "ships_from")
# Results past this depth are not served (Elasticsearch's default ``max_result_window``).
MAX_RESULT_WINDOW = 10_000
# Totals above this are reported as a lower bound (Elasticsearch's ``track_total_hits`` default).
TOTAL_HITS_CAP = 10_000


class IndexWriteError(Exception):
    """A batch could not be written (store down, connection refused, documents rejected).

    The spool catches exactly this, so a programming error is never mistaken for an outage.
    """


class InvalidRequestError(ValueError):
    """A search/aggregation request names an unknown facet, sort or ``by`` key."""


@dataclass(slots=True)
class SearchRequest:
    """What an analyst asked: a query in the narcoscope query language plus paging and facets."""

    query: str = ""
    kind: str | None = None  # "listing" | "post" | None for both
    sort: SortOrder = "relevance"
    size: int = 20
    offset: int = 0
    facets: list[str] = field(default_factory=list)
    highlight: bool = False

    def validate(self) -> None:
        """Reject what no backend can serve, with a message an analyst can act on."""
        if self.sort not in SORT_ORDERS:
            raise InvalidRequestError(f"unknown sort {self.sort!r}; expected one of {SORT_ORDERS}")
        unknown = [f for f in self.facets if f not in FACET_FIELDS]
        if unknown:
            raise InvalidRequestError(f"unknown facet(s) {unknown}; expected among {FACET_FIELDS}")
        if self.size < 0 or self.offset < 0 or self.offset + self.size > MAX_RESULT_WINDOW:
            raise InvalidRequestError(f"size/offset must be >= 0 and offset+size <= {MAX_RESULT_WINDOW}")
        if self.kind not in (None, "listing", "post"):
            raise InvalidRequestError(f"unknown kind {self.kind!r}")


@dataclass(slots=True)
class Hit:
    """One matching document; ``highlights`` hold HTML-escaped text with ``<mark>`` around matches."""

    doc: IndexDoc
    score: float | None = None
    highlights: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class SearchResult:
    """A page of hits, the total (exact, or a lower bound when flagged) and facet counts."""

    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    took_ms: float = 0.0
    total_is_lower_bound: bool = False
    # Facets that were counted over a sample (the most recent matches) because the exact count
    # ran out of time; their counts are then lower bounds.
    facets_sampled: list[str] = field(default_factory=list)


@dataclass(slots=True, frozen=True)
class WeeklyRow:
    """Counts for one ISO week and one key of the ``by`` dimension."""

    week: str
    key: str
    observations: int
    listings: int
    vendors: int
    markets: int


@dataclass(slots=True, frozen=True)
class WeeklyTotal:
    """The denominators for one week: what was crawled, and what was observed."""

    week: str
    crawl_pages: int
    crawl_listings: int
    observations: int
    observed_listings: int


@dataclass(slots=True)
class WeeklyAggregation:
    """Per-week, per-key counts plus per-week totals, sorted by week then key."""

    by: str
    rows: list[WeeklyRow]
    totals: list[WeeklyTotal]
    took_ms: float = 0.0

    def weeks(self) -> list[str]:
        """Every week that has rows or totals, in order."""
        return sorted({r.week for r in self.rows} | {t.week for t in self.totals})


@runtime_checkable
class Index(Protocol):
    """What the pipeline, the web UI and the reports may ask of an index."""

    def write_batch(
        self,
        docs: Iterable[IndexDoc],
        observations: Iterable[ObservationDoc] = (),
        volumes: Iterable[CrawlVolume] = (),
    ) -> None:
        """Upsert by id; a re-written doc keeps the minimum first_seen and maximum last_seen."""
        ...

    def search(self, req: SearchRequest) -> SearchResult:
        """Run a query-language search with sorting, paging, facets and highlights."""
        ...

    def get(self, doc_id: str) -> IndexDoc | None:
        """The stored document, or None."""
        ...

    def weekly(
        self, by: str, *, query: str = "", start: date | None = None, end: date | None = None
    ) -> WeeklyAggregation:
        """Observation counts per ISO week and key of ``by``, with crawl-volume totals."""
        ...

    def delete_source(self, source: str) -> int:
        """Remove a source's documents and observations; returns the number of documents removed."""
        ...

    def count(self) -> int:
        """Number of documents (listings and posts)."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...


def check_weekly_by(by: str) -> None:
    """Raise :class:`InvalidRequestError` unless ``by`` is a weekly dimension."""
    if by not in WEEKLY_BY:
        raise InvalidRequestError(f"unknown weekly dimension {by!r}; expected one of {WEEKLY_BY}")


def open_index(url: str) -> Index:
    """Open the backend a URL names.

    ``sqlite:///path/index.db`` or a plain path gives the embedded SQLite index;
    ``http(s)://host:9200`` gives Elasticsearch, with credentials taken from the environment
    (``NARCOSCOPE_ES_API_KEY`` or ``NARCOSCOPE_ES_USER``/``NARCOSCOPE_ES_PASSWORD``, and
    ``NARCOSCOPE_ES_CA_CERTS``) so they never appear in URLs, configs or logs.
    """
    if url.startswith(("http://", "https://")):
        from index.es_backend import ElasticsearchIndex

        return ElasticsearchIndex.from_url(url)
    from index.sqlite_backend import SqliteIndex

    # Like file:// URLs: sqlite:///var/idx.db is the absolute path /var/idx.db.
    path = url[len("sqlite://") :] if url.startswith("sqlite://") else url
    if path in ("", "/", "/:memory:"):
        path = ":memory:"
    return SqliteIndex(path)
