"""SQLite relevance: scoring only the positive text phrases over the candidates' rowid span must give
the same bm25 scores as FTS5's bm25 over the whole MATCH expression (which walks every phrase's
posting list, tag filters included, and is what made common-word queries slow at 1M rows)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixture_corpus import DOCS

from index import _sqlite_search
from index.query import parse_query
from index.sqlite_backend import SqliteIndex

QUERIES = ["cocaine", "cocaine from:NL", "ketamine -sample", "heroin OR fentanyl", "(cocaine OR heroin) from:DE",
           "title:crystal", '"crystal meth"', "cocaine -vendor:snowman", "mdmb*", "cocaine OR substance:fentanyl",
           "cocaine price_usd:<100", "substance:heroin"]


@pytest.mark.parametrize("cap", [1000, 3])
@pytest.mark.parametrize("query", QUERIES)
def test_ranked_scores_equal_full_bm25(tmp_path: Path, query: str, cap: int) -> None:
    ix = SqliteIndex(str(tmp_path / "i.db"))
    ix.write_batch(DOCS)
    conn = ix._conn
    tree = parse_query(query)
    base = _sqlite_search.base_for(tree, None)
    full = conn.execute(f"SELECT d.rid, bm25(fts, 2.0, 1.0, 0.0) {base.source} WHERE {base.where} "
                        f"ORDER BY fts.rowid DESC LIMIT ?", [*base.params, cap]).fetchall()
    got = _sqlite_search._ranked(conn, base, tree, cap)
    assert len(full) > 0
    assert [r for r, _ in got] == [r for r, _ in full]
    assert [s for _, s in got] == pytest.approx([s for _, s in full], rel=1e-9, abs=1e-12)
    ix.close()
