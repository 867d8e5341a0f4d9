"""The page store is content-addressed and tamper-evident; record upserts never duplicate."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from narcoscope.records import Listing, Observation, PriceDisplay, RawPage
from store import PageStore, RecordStore
from store.pages import DigestMismatch

T1 = datetime(2026, 5, 4, 12, tzinfo=timezone.utc)
T2 = datetime(2026, 5, 11, 12, tzinfo=timezone.utc)


def test_page_store_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    ps = PageStore(tmp_path)
    body = b"<html>listing</html>"
    d1 = ps.put(body)
    mtime = ps.path_for(d1).stat().st_mtime_ns
    assert ps.put(body) == d1 and ps.path_for(d1).stat().st_mtime_ns == mtime  # never rewritten
    assert d1 == PageStore.digest(body) and len(d1) == 64 and d1 in ps
    assert ps.get(d1, verify=True) == body


def test_tampered_page_is_detected(tmp_path: Path) -> None:
    ps = PageStore(tmp_path)
    digest = ps.put(b"original")
    ps.path_for(digest).write_bytes(gzip.compress(b"altered"))
    with pytest.raises(DigestMismatch):
        ps.get(digest, verify=True)


def _listing(title: str = "5g MDMA", digest: str = "a") -> Listing:
    return Listing(source="m", listing_id="7", url="http://127.0.0.1/item?id=7", title=title,
                   prices=(PriceDisplay("$50"),), page_digest=digest)


def test_listing_upsert_keeps_first_seen_and_moves_last_seen(tmp_path: Path) -> None:
    rs = RecordStore(tmp_path / "db.sqlite")
    rs.upsert_listing(_listing(digest="new"), T2)
    rs.upsert_listing(_listing("5g MDMA (old title)", digest="old"), T1)  # an older snapshot, replayed late
    rs.commit()
    [row] = rs.query("SELECT * FROM listings")
    assert row["first_seen"] == T1.isoformat() and row["last_seen"] == T2.isoformat()
    assert row["page_digest"] == "new"  # the newest sighting's page stays the evidence


def test_observations_are_idempotent_per_time(tmp_path: Path) -> None:
    rs = RecordStore(tmp_path / "db.sqlite")
    doc = _listing().doc_id
    assert rs.add_observation(Observation(doc, T1, "$50", "a"))
    assert not rs.add_observation(Observation(doc, T1, "$50", "a"))
    assert rs.add_observation(Observation(doc, T2, "$45", "b"))
    rs.commit()
    assert rs.counts()["observations"] == 2


def test_pages_round_trip(tmp_path: Path) -> None:
    rs = RecordStore(tmp_path / "db.sqlite")
    page = RawPage(url="http://127.0.0.1/x", source="m", fetched_at=T2, observed_at=T1, status=200,
                   headers={"Content-Type": "text/html"}, digest="f" * 64, kind="listing", crawl_id="c1")
    rs.add_page(page)
    rs.add_page(replace(page, url="http://127.0.0.1/c", blocked="captcha"))
    rs.commit()
    assert list(rs.iter_pages()) == [page]
    assert len(list(rs.iter_pages(include_blocked=True))) == 2
