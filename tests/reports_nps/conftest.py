"""Fixtures: a synthetic index (fast, hostile strings) and the demo crawl, run once per session.

The demo runs in a subprocess (Scrapy's reactor cannot restart in-process) over weeks 0-20 only:
both planted NPS (bromazolam from week 6, the candidate from week 10), the takedown (week 18)
and three weeks after each onset. Set NARCOSCOPE_NPS_DEMO_HOME to an existing demo home to skip
the crawl while developing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from narcoscope.paths import REPO_ROOT
from tests.reports_nps import synthetic
from tests.support import free_port_block

DEMO_WEEKS = "0-20"


@pytest.fixture(scope="session")
def synthetic_index(tmp_path_factory: pytest.TempPathFactory) -> str:
    return synthetic.build(tmp_path_factory.mktemp("nps-synthetic") / "index.db")


@pytest.fixture(scope="session")
def demo_index(tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of an index holding demo weeks 0-20, crawled once for the session."""
    reuse = os.environ.get("NARCOSCOPE_NPS_DEMO_HOME")
    if reuse:
        return f"sqlite:///{Path(reuse).resolve() / 'index.db'}"
    home = tmp_path_factory.mktemp("nps-demo")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "NARCOSCOPE_HOME": str(home), "COLUMNS": "120"}
    proc = subprocess.run(
        [sys.executable, "-m", "narcoscope", "demo", "--weeks", DEMO_WEEKS, "--home", str(home),
         "--port", str(free_port_block(start=31400, step=89))],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=1500, check=False)
    if proc.returncode != 0:
        pytest.fail(f"demo crawl failed ({proc.returncode}): {proc.stderr[-3000:]}")
    return f"sqlite:///{home / 'index.db'}"
