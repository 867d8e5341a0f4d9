"""The whole pipeline, run once per test session: the `narcoscope demo` main job in a subprocess.

A subprocess because Scrapy's reactor cannot restart within one process, and because it is the
command a newcomer runs. The demo sites take six consecutive free ports on 127.0.0.1.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from narcoscope.paths import REPO_ROOT
from tests.support import free_port_block

# Weeks crawled by the integration run: before and after both NPS onsets and the takedown.
WEEKS = [int(w) for w in os.environ.get("NARCOSCOPE_IT_WEEKS", "0,5,6,10,11,17,18,25").split(",")]



@dataclass
class DemoRun:
    home: Path
    weeks: list[int]
    port: int
    output: str

    def run_again(self, weeks: str) -> subprocess.CompletedProcess[str]:
        return _demo(self.home, weeks, self.port)


def _demo(home: Path, weeks: str, port: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "NARCOSCOPE_HOME": str(home), "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "narcoscope", "demo", "--weeks", weeks, "--home", str(home), "--port", str(port)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900, check=False,
    )


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    home = tmp_path_factory.mktemp("demo-home")
    port = free_port_block()
    proc = _demo(home, ",".join(map(str, WEEKS)), port)
    assert proc.returncode == 0, f"demo failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    return DemoRun(home, WEEKS, port, proc.stdout)
