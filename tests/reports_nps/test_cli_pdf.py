"""`narcoscope report` end to end on the synthetic index, and the PDF through headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from narcoscope.paths import REPO_ROOT
from reports.nps import find_chromium
from tests.reports_nps import synthetic

NO_CHROMIUM = "PDF needs Debian's headless Chromium: apt-get install -y chromium"


def _report(index_url: str, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    cmd = [sys.executable, "-m", "narcoscope", "report", "--index", index_url, "--out", str(out), *args]
    return subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_week_alias_gives_the_same_report(synthetic_index: str, tmp_path: Path) -> None:
    week = synthetic.last_monday().isocalendar()
    label = f"{week[0]}-W{week[1]:02d}"
    a = _report(synthetic_index, tmp_path / "a", "--week", label, "--format", "json")
    monday = synthetic.last_monday().date().isoformat()
    b = _report(synthetic_index, tmp_path / "b", "--period", "week", "--as-of", monday, "--format", "json")
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    ja, jb = (json.loads((tmp_path / d / f"narcoscope-nps-{label}.json").read_text()) for d in ("a", "b"))
    for data in (ja, jb):
        del data["generated_at"], data["timings"]
    assert ja == jb and ja["period_kind"] == "week" and ja["as_of"] == monday


def test_bad_format_is_a_user_error(synthetic_index: str, tmp_path: Path) -> None:
    proc = _report(synthetic_index, tmp_path, "--format", "docx")
    assert proc.returncode == 2 and "unknown format" in proc.stderr


@pytest.mark.skipif(find_chromium() is None, reason=NO_CHROMIUM)
def test_pdf_is_printed_by_chromium(synthetic_index: str, tmp_path: Path) -> None:
    monday = synthetic.last_monday().date().isoformat()
    proc = _report(synthetic_index, tmp_path, "--period", "month", "--as-of", monday, "--format", "pdf,html")
    assert proc.returncode == 0, proc.stderr[-2000:]
    pdf = next(tmp_path.glob("*.pdf"))
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.count(b"/Type /Page") + data.count(b"/Type/Page") >= 3
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "Highlights" in text and "Methods and limitations" in text
