"""The store: immutable raw pages (content-addressed) and the records the pages said.

Everything downstream (extraction, the index, reports) can be rebuilt from here without touching
the network (DESIGN.md, invariant 1).
"""

from store.pages import PageStore
from store.records_db import RecordStore

__all__ = ["PageStore", "RecordStore"]
