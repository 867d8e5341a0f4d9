"""Charts stay well-formed and free of scraped text whatever the labels contain."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

import numpy as np

from reports.nps.charts import class_chart, emerging_chart, origins_chart, safe_label
from reports.nps.model import OriginRow
from reports.trends.annotations import Annotation

HOSTILE = ['</svg><script>alert(1)</script>', '$\\frac{1}{0}$ & <b>', "a\x00b\x1bc" + "x" * 500]
WEEKS = [f"2026-W{w:02d}" for w in range(10, 22)]


def _check(svg: str, uri: str) -> None:
    ET.fromstring(svg)  # well-formed XML: nothing closed a tag early
    assert "<script" not in svg and "alert" not in svg and "frac" not in svg
    assert base64.b64decode(uri.split(",", 1)[1]).decode() == svg


def test_hostile_labels_become_outlines_not_text() -> None:
    notes = [Annotation(week="2026-W15", kind="takedown", label=HOSTILE[0], source="m")]
    series = {name: np.arange(12, dtype=float) for name in HOSTILE}
    shares = {n: list(range(12)) for n in HOSTILE}
    origins = [OriginRow(HOSTILE[i], 5 - i, 2, 10.0, i + 1, None) for i in range(3)]
    for chart in (class_chart(WEEKS, series, notes), emerging_chart(WEEKS, shares, notes),
                  origins_chart(origins, "now", "$x$")):
        _check(chart.svg, chart.data_uri)


def test_safe_label_is_printable_and_short() -> None:
    label = safe_label(HOSTILE[2])
    assert len(label) <= 28 and "\x00" not in label and "\x1b" not in label
