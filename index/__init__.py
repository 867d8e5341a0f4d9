"""narcoscope's search index: one interface (``Index``), SQLite and Elasticsearch backends.

Use :func:`open_index` with ``sqlite:///path/index.db`` or ``https://es:9200``; wrap it in
:class:`SpoolingIndex` so a failed batch is kept on disk and replayed, never lost.
"""

from index.base import (
    Hit,
    Index,
    IndexWriteError,
    InvalidRequestError,
    SearchRequest,
    SearchResult,
    WeeklyAggregation,
    WeeklyRow,
    WeeklyTotal,
    open_index,
)
from index.documents import CrawlVolume, IndexDoc, ObservationDoc
from index.query import QuerySyntaxError
from index.spool import SpoolingIndex

__all__ = [
    "CrawlVolume",
    "Hit",
    "Index",
    "IndexDoc",
    "IndexWriteError",
    "InvalidRequestError",
    "ObservationDoc",
    "QuerySyntaxError",
    "SearchRequest",
    "SearchResult",
    "SpoolingIndex",
    "WeeklyAggregation",
    "WeeklyRow",
    "WeeklyTotal",
    "open_index",
]
