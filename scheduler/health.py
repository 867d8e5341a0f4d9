"""Health and parser drift: does this crawl look like its source's recent history?

A market that changed its layout does not fail a crawl: the crawl "succeeds" with half the
listings, or with every price empty. Indexed as is, that week reads as a market collapse. So
after each crawl we compare it with the source's recent healthy crawls and, on a symptom, raise
an alert naming source and symptom and flag the crawl's volume ``suspect-volume`` so that
reports leave the week out of trend denominators instead of charting a fake drop.
"""

from __future__ import annotations

import logging
import sqlite3
import statistics
from dataclasses import dataclass
from datetime import datetime

from scheduler.timing import iso

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Thresholds:
    history: int = 8  # compare with this many previous healthy crawls
    min_history: int = 3  # and only once there are this many
    few_listings: float = 0.5  # alert below this share of the median listing count
    empty_field: float = 0.5  # alert when this share of listings lost a field …
    empty_baseline: float = 0.1  # … that was empty in at most this share before
    blocked_share: float = 0.2  # alert when blocked pages exceed this share …
    blocked_jump: float = 3.0  # … and this many times the usual share


@dataclass(frozen=True, slots=True)
class CrawlShape:
    crawl_id: str
    source: str
    observed_at: str
    pages: int
    blocked: int
    listings: int
    empty_price: float
    empty_vendor: float

    @property
    def blocked_share(self) -> float:
        return self.blocked / self.pages if self.pages else 0.0


@dataclass(frozen=True, slots=True)
class Alert:
    source: str
    crawl_id: str
    symptom: str
    detail: str


def measure(db: sqlite3.Connection, crawl_id: str) -> CrawlShape | None:
    """Count this crawl's pages, blocked pages and listings, and the share of empty fields."""
    crawl = db.execute("SELECT source, observed_at FROM crawls WHERE crawl_id=?", (crawl_id,)).fetchone()
    if crawl is None:
        return None
    pages, blocked = db.execute(
        "SELECT count(*), count(blocked) FROM pages WHERE crawl_id=?", (crawl_id,)).fetchone()
    n, no_price, no_vendor = db.execute(
        "SELECT count(*), sum(o.price_text = ''), sum(coalesce(l.vendor, '') = '')"
        " FROM observations o LEFT JOIN listings l USING(doc_id) WHERE o.crawl_id=?", (crawl_id,)).fetchone()
    return CrawlShape(crawl_id, crawl[0], crawl[1], pages, blocked, n,
                      (no_price or 0) / n if n else 0.0, (no_vendor or 0) / n if n else 0.0)


def history(db: sqlite3.Connection, shape: CrawlShape, limit: int) -> list[CrawlShape]:
    rows = db.execute(
        "SELECT crawl_id, source, observed_at, pages, blocked, listings, empty_price, empty_vendor"
        " FROM crawl_health WHERE source=? AND observed_at < ? AND suspect=0"
        " ORDER BY observed_at DESC LIMIT ?", (shape.source, shape.observed_at, limit))
    return [CrawlShape(*r) for r in rows]


def diagnose(shape: CrawlShape, past: list[CrawlShape], t: Thresholds) -> list[Alert]:
    """The symptoms of ``shape`` against ``past`` (empty when there is too little history)."""
    if len(past) < t.min_history:
        return []
    out: list[Alert] = []
    med = statistics.median(p.listings for p in past)
    if med > 0 and shape.listings < t.few_listings * med:
        out.append(Alert(shape.source, shape.crawl_id, "few-listings",
                         f"{shape.listings} listings against a median of {med:g} over {len(past)} crawls"))
    for name, now, before in (("price", shape.empty_price, [p.empty_price for p in past]),
                              ("vendor", shape.empty_vendor, [p.empty_vendor for p in past])):
        base = statistics.median(before)
        if shape.listings and now >= t.empty_field and base <= t.empty_baseline:
            out.append(Alert(shape.source, shape.crawl_id, f"empty-field:{name}",
                             f"{now:.0%} of listings have no {name} (usually {base:.0%})"))
    usual = statistics.median(p.blocked_share for p in past)
    if shape.blocked_share > t.blocked_share and shape.blocked_share > t.blocked_jump * usual:
        out.append(Alert(shape.source, shape.crawl_id, "blocked-jump",
                         f"{shape.blocked}/{shape.pages} pages blocked (usually {usual:.0%})"))
    return out


def check_crawl(db: sqlite3.Connection, crawl_id: str, now: datetime, *, job_id: int | None = None,
                thresholds: Thresholds | None = None) -> list[Alert]:
    """Measure, diagnose, and store the shape, alerts and suspect flag (one transaction)."""
    t = thresholds or Thresholds()
    shape = measure(db, crawl_id)
    if shape is None:
        return []
    alerts = diagnose(shape, history(db, shape, t.history), t)
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("INSERT OR REPLACE INTO crawl_health VALUES (?,?,?,?,?,?,?,?,?)",
                   (shape.crawl_id, shape.source, shape.observed_at, shape.pages, shape.blocked,
                    shape.listings, shape.empty_price, shape.empty_vendor, int(bool(alerts))))
        for a in alerts:
            raise_alert(db, a, now, job_id=job_id)
        if alerts:
            db.execute("INSERT OR REPLACE INTO crawl_flags VALUES (?,?,?,?)",
                       (crawl_id, "suspect-volume", "; ".join(a.symptom for a in alerts), iso(now)))
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return alerts


def raise_alert(db: sqlite3.Connection, alert: Alert, now: datetime, *, job_id: int | None = None) -> None:
    """Store an alert (once per crawl and symptom) and log it as a warning."""
    db.execute("INSERT OR IGNORE INTO health_alerts(raised_at, source, crawl_id, job_id, symptom, detail)"
               " VALUES (?,?,?,?,?,?)", (iso(now), alert.source, alert.crawl_id, job_id, alert.symptom, alert.detail))
    log.warning("health alert: %s: %s: %s", alert.source, alert.symptom, alert.detail,
                extra={"source": alert.source, "symptom": alert.symptom, "crawl_id": alert.crawl_id})


def suspect_weeks(db: sqlite3.Connection) -> set[tuple[str, str]]:
    """(source, ISO week) pairs whose crawl volume is suspect: what reports should leave out."""
    rows = db.execute("SELECT c.source, c.observed_at FROM crawl_flags f JOIN crawls c USING(crawl_id)"
                      " WHERE f.flag='suspect-volume'")
    out = set()
    for source, observed in rows:
        year, week, _ = datetime.fromisoformat(observed).isocalendar()
        out.add((source, f"{year}-W{week:02d}"))
    return out
