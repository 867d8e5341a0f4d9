"""A demo record store built once per session (weeks 9-13: the novel substance appears in week 10),
and the demo's ground truth: which persona is behind each vendor account."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from narcoscope.cli import main
from narcoscope.paths import REPO_ROOT, Paths
from tests.support import free_port_block

WEEKS = range(9, 14)
SEED = 7


@dataclass
class Demo:
    home: Path
    paths: Paths

    def copy(self, dest: Path) -> Paths:
        """A private copy of the record store, for tests that write decisions."""
        dest.mkdir(parents=True, exist_ok=True)
        for name in ("narcoscope.db", "narcoscope.db-wal", "narcoscope.db-shm"):
            if (self.home / name).exists():
                shutil.copy(self.home / name, dest / name)
        return Paths.from_env(dest, f"sqlite:///{dest / 'index.db'}")


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    home = tmp_path_factory.mktemp("entities-demo")
    port = free_port_block(start=30011, step=83)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "NARCOSCOPE_HOME": str(home), "COLUMNS": "120"}
    env.pop("NARCOSCOPE_INDEX", None)
    proc = subprocess.run(
        [str(REPO_ROOT / ".venv" / "bin" / "python") if (REPO_ROOT / ".venv").exists() else sys.executable,
         "-m", "narcoscope", "demo", "--weeks", f"{WEEKS.start}-{WEEKS.stop - 1}", "--home", str(home),
         "--port", str(port)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, f"demo failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    return Demo(home, Paths.from_env(home, f"sqlite:///{home / 'index.db'}"))


@pytest.fixture(scope="session")
def personas() -> dict[tuple[str, str], str]:
    """(market, vendor name case-folded) -> persona id, over the weeks crawled."""
    from demosites import DemoWorld

    world = DemoWorld.build(seed=SEED)
    out: dict[tuple[str, str], str] = {}
    for week in WEEKS:
        for v in world.truth(week)["vendors"]:
            out[(v["source"], v["name"].casefold())] = v["persona"]
    return out


@pytest.fixture
def cli() -> Callable[[list[str]], int]:
    """``narcoscope ARGV``, in process."""
    return main
