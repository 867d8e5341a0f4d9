"""SQLite-only behaviour: bounded costs degrade with a flag instead of hanging, and schema guards."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fixture_corpus import DOCS, observations

from index.base import IndexWriteError, SearchRequest
from index.sqlite_backend import Limits, SqliteIndex


def test_out_of_time_facets_and_sorts_fall_back_to_a_flagged_sample(tmp_path: Path) -> None:
    ix = SqliteIndex(str(tmp_path / "i.db"), limits=Limits(facet_ms=0, sort_ms=0, count_ms=0, facet_sample=3))
    ix.write_batch(DOCS, observations())
    res = ix.search(SearchRequest(query="kind:listing", size=5, facets=["substance", "source"], sort="price_asc"))
    assert res.facets_sampled == ["substance", "source"]
    assert sum(n for _v, n in res.facets["source"]) == 3  # counted over the 3 newest matches only
    assert len(res.hits) == 5 and res.total_is_lower_bound and res.total >= 5
    exact = SqliteIndex(str(tmp_path / "i.db"))
    full = exact.search(SearchRequest(query="kind:listing", size=5, facets=["source"], sort="price_asc"))
    assert not full.facets_sampled and not full.total_is_lower_bound and full.total == 40
    assert [h.doc.price_usd for h in full.hits] == [10.0, 12.0, 15.0, 20.0, 25.0]
    ix.close()
    exact.close()


def test_relevance_ranks_only_the_newest_candidates(tmp_path: Path) -> None:
    ix = SqliteIndex(str(tmp_path / "i.db"), limits=Limits(relevance_candidates=3))
    ix.write_batch(DOCS)
    res = ix.search(SearchRequest(query="cocaine", size=3))
    newest3 = sorted((d for d in DOCS if "cocaine" in (d.title + d.body).lower()), key=lambda d: d.first_seen)[-3:]
    assert {h.doc.doc_id for h in res.hits} == {d.doc_id for d in newest3}
    assert res.total == 9 and not res.total_is_lower_bound
    ix.close()


def test_old_schema_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "index.db"
    SqliteIndex(str(db)).close()
    conn = sqlite3.connect(db)
    conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(IndexWriteError, match="re-index"):
        SqliteIndex(str(db))
