"""A crawl the scheduler flagged ``suspect-volume`` must not read as a rise: its week is left out."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from index import CrawlVolume, IndexDoc, ObservationDoc, open_index
from index.documents import iso_week
from reports.nps import build_report
from reports.nps.options import ReportOptions
from reports.trends.annotations import Annotation

START = datetime(2026, 1, 5, 12, tzinfo=timezone.utc)
WEEKS = 30
BROKEN = 28  # the parser drifted: 150 listings crawled instead of ~2,000, ketamine pages still parse


def _index(path: Path) -> str:
    rng = np.random.default_rng(3)
    docs, obs, volumes = [], [], []
    for w in range(WEEKS):
        when = START + timedelta(weeks=w)
        for k in range(10 if w == BROKEN else int(rng.poisson(8))):  # its pages still parse that week
            doc_id = f"k-{w}-{k}"
            docs.append(IndexDoc(doc_id=doc_id, kind="listing", source="alpha", source_kind="market",
                                 url=f"http://alpha.test/{doc_id}", title="ketamine 1g", body="", first_seen=when,
                                 last_seen=when, vendor=f"v{k}", substances=["ketamine"],
                                 classes=["arylcyclohexylamine"], ships_from="NL", price_usd=20.0, quantity_g=1.0))
            obs.append(ObservationDoc(f"{doc_id}-o", doc_id, when, "alpha", f"v{k}", ["ketamine"],
                                      ["arylcyclohexylamine"], "NL", 20.0))
        crawled = 150 if w == BROKEN else int(rng.normal(2000, 60))
        volumes.append(CrawlVolume("alpha", iso_week(when), crawled * 2, crawled))
    url = f"sqlite:///{path}"
    idx = open_index(url)
    try:
        idx.write_batch(docs, obs, volumes)
    finally:
        idx.close()
    return url


def _emerging(url: str, notes: tuple[Annotation, ...]) -> list[str]:
    idx = open_index(url)
    try:
        as_of = (START + timedelta(weeks=BROKEN)).date()
        report = build_report(idx, "week", date.fromisocalendar(*as_of.isocalendar()[:2], 1),
                              options=ReportOptions(annotations=notes, history_weeks=WEEKS))
    finally:
        idx.close()
    return [e.substance_id for e in report.emerging]


def test_a_suspect_week_is_left_out_of_the_detectors(tmp_path: Path) -> None:
    url = _index(tmp_path / "index.db")
    assert _emerging(url, ()) == ["ketamine"]  # the broken crawl's denominator fakes a tenfold share
    suspect = Annotation(week=iso_week(START + timedelta(weeks=BROKEN)), kind="suspect-volume",
                         label="alpha: crawl suspect, left out", source="alpha")
    assert _emerging(url, (suspect,)) == []
