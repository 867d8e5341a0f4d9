"""Drift detection on a real record store; /metrics text; JSON logs; profile schedules."""

from __future__ import annotations

import json
import logging
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler.profiles import ProfileError, load_profile
from narcoscope.paths import REPO_ROOT
from narcoscope.records import Listing, Observation, PriceDisplay, RawPage
from scheduler import health
from scheduler.jobstore import JobStore
from scheduler.logjson import JsonFormatter
from scheduler.metrics import MetricsServer, render
from store import RecordStore

W0 = datetime(2026, 5, 4, 12, tzinfo=timezone.utc)


def _crawl(store: RecordStore, week: int, *, listings: int, blocked: int = 0, price: bool = True,
           vendor: bool = True) -> str:
    """Write one crawl of 'tortuga' the way the crawler does: crawl row, pages, listings, observations."""
    when = W0 + timedelta(weeks=week)
    crawl_id = f"tortuga@{when:%Y%m%dT%H%M%S}"
    store.begin_crawl(crawl_id, "tortuga", when, when)
    for i in range(listings + blocked):
        store.add_page(RawPage(url=f"http://t/item?id={i}", source="tortuga", fetched_at=when, observed_at=when,
                               status=200, headers={}, digest=f"d{i}", kind="listing",
                               blocked="captcha" if i >= listings else None, crawl_id=crawl_id))
    for i in range(listings):
        listing = Listing("tortuga", str(i), f"http://t/item?id={i}", f"item {i}", vendor="v1" if vendor else "",
                          prices=(PriceDisplay("0.01 BTC"),) if price else ())
        doc = store.upsert_listing(listing, when)
        store.add_observation(Observation(doc, when, listing.prices[0].text if price else "", f"d{i}", crawl_id))
    store.finish_crawl(crawl_id, "finished", when, {})
    return crawl_id


@pytest.fixture
def stores(tmp_path: Path) -> tuple[RecordStore, JobStore]:
    db = tmp_path / "narcoscope.db"
    return RecordStore(db), JobStore(db)


def _history(rs: RecordStore, js: JobStore, weeks: int = 4) -> None:
    for w in range(weeks):
        cid = _crawl(rs, w, listings=40 + w)
        assert health.check_crawl(js.db, cid, W0) == []  # healthy, and too little history at first


def test_few_listings_raises_an_alert_and_flags_the_volume(stores: tuple[RecordStore, JobStore]) -> None:
    rs, js = stores
    _history(rs, js)
    cid = _crawl(rs, 5, listings=8)
    alerts = health.check_crawl(js.db, cid, W0)
    assert [a.symptom for a in alerts] == ["few-listings"]
    assert alerts[0].source == "tortuga" and "8 listings" in alerts[0].detail
    flags = js.db.execute("SELECT flag FROM crawl_flags WHERE crawl_id=?", (cid,)).fetchall()
    assert [f[0] for f in flags] == ["suspect-volume"]
    assert health.suspect_weeks(js.db) == {("tortuga", "2026-W24")}
    js.db.commit()
    from reports.nps.options import suspect_annotations  # what `narcoscope report` hands the detectors

    assert [(a.kind, a.source, a.week) for a in suspect_annotations(rs.path)] == [
        ("suspect-volume", "tortuga", "2026-W24")]
    # A suspect crawl does not become the baseline: the next normal week is compared with the old median.
    assert health.check_crawl(js.db, _crawl(rs, 6, listings=41), W0) == []


def test_empty_fields_and_blocked_jump(stores: tuple[RecordStore, JobStore]) -> None:
    rs, js = stores
    _history(rs, js)
    alerts = health.check_crawl(js.db, _crawl(rs, 5, listings=40, price=False), W0)
    assert [a.symptom for a in alerts] == ["empty-field:price"]
    alerts = health.check_crawl(js.db, _crawl(rs, 6, listings=40, vendor=False), W0)
    assert [a.symptom for a in alerts] == ["empty-field:vendor"]
    alerts = health.check_crawl(js.db, _crawl(rs, 7, listings=40, blocked=30), W0)
    assert [a.symptom for a in alerts] == ["blocked-jump"]
    stored = js.db.execute("SELECT source, symptom FROM health_alerts ORDER BY alert_id").fetchall()
    assert [tuple(r) for r in stored] == [("tortuga", "empty-field:price"), ("tortuga", "empty-field:vendor"),
                                          ("tortuga", "blocked-jump")]


def test_metrics_text_and_server(stores: tuple[RecordStore, JobStore]) -> None:
    _, js = stores
    job_id = js.run_now("crawl:tortuga", kind="crawl", source="tortuga", now=W0)
    job = js.claim(W0, 1)[0]
    js.finish(job, "succeeded", W0 + timedelta(seconds=42), pages=62, listings=36, blocked=2, errors=1,
              tor_failures=0, index_lag_s=50.0)
    text = render(js.db)
    assert 'narcoscope_crawl_pages_total{source="tortuga"} 62' in text
    assert 'narcoscope_crawl_blocked_pages_total{source="tortuga"} 2' in text
    assert 'narcoscope_index_lag_seconds{source="tortuga"} 50.000' in text
    assert 'narcoscope_job_duration_seconds_bucket{task="crawl:tortuga",le="60"} 1' in text
    assert 'narcoscope_jobs_total{task="crawl:tortuga",status="succeeded"} 1' in text
    server = MetricsServer(js.path).start()
    try:
        body = urllib.request.urlopen(server.url, timeout=5).read().decode()
    finally:
        server.stop()
    assert body == render(js.db) and job_id == job.job_id


def test_json_log_lines() -> None:
    record = logging.makeLogRecord({"name": "scheduler.service", "levelname": "INFO", "msg": "job %s started",
                                    "args": (7,), "job_id": 7, "task": "crawl:tortuga"})
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "job 7 started" and line["job_id"] == 7 and line["task"] == "crawl:tortuga"
    assert line["level"] == "info" and line["ts"].endswith("+00:00")


def test_profile_schedule(tmp_path: Path) -> None:
    base = (REPO_ROOT / "config/sites/tortuga.yaml").read_text()
    ok = tmp_path / "ok.yaml"
    ok.write_text(base + 'schedule: {cron: "0 */6 * * *", jitter: 20m}\n')
    assert load_profile(ok).schedule is not None
    assert load_profile(ok).schedule.jitter == 1200  # type: ignore[union-attr]
    bad = tmp_path / "bad.yaml"
    bad.write_text(base + 'schedule: {cron: "every tuesday"}\n')
    with pytest.raises(ProfileError, match=r"bad.yaml:\d+: schedule.cron: invalid cron"):
        load_profile(bad)
    both = tmp_path / "both.yaml"
    both.write_text(base + "schedule: {cron: '0 * * * *', every: 1h}\n")
    with pytest.raises(ProfileError, match="exactly one"):
        load_profile(both)
