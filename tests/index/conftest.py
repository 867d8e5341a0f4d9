"""Backend fixtures: the behavioural suite runs once per backend (SQLite always, ES when configured)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.base import Index
from index.sqlite_backend import SqliteIndex

ES_URL = os.environ.get("NARCOSCOPE_ES_URL", "")
ES_SKIP_REASON = "NARCOSCOPE_ES_URL not set"


def make_backend(name: str, tmp_path: Path) -> Index:
    if name == "sqlite":
        return SqliteIndex(str(tmp_path / "index.db"))
    from index.es_backend import ElasticsearchIndex, client_from_env

    ix = ElasticsearchIndex(client_from_env(ES_URL), prefix=f"nstest-{uuid.uuid4().hex[:8]}", refresh=True)
    return ix


@pytest.fixture(params=["sqlite", pytest.param("es", marks=pytest.mark.skipif(not ES_URL, reason=ES_SKIP_REASON))])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Index]:
    """An empty index of each backend; ES indices get a unique prefix and are dropped afterwards."""
    ix = make_backend(request.param, tmp_path)
    yield ix
    drop = getattr(ix, "drop_all", None)
    if drop is not None:
        drop()
    ix.close()
