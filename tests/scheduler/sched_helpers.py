"""Helpers shared by the scheduler and distributed tests: demo sites on free loopback ports."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from narcoscope.demo import DemoSites
from narcoscope.paths import REPO_ROOT
from tests.support import free_port_block


@contextmanager
def demo_sites(start: int = 31000) -> Iterator[DemoSites]:
    sites = DemoSites(control_port=free_port_block(start=start)).start()
    try:
        yield sites
    finally:
        sites.stop()


def child_env(home: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO_ROOT), "NARCOSCOPE_HOME": str(home)}


def start_module(args: list[str], home: Path, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", *args], cwd=REPO_ROOT, env=child_env(home),
                                stdout=out, stderr=subprocess.STDOUT)


def wait_for(what: str, check: Callable[[], Any], timeout: float, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def query(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    """A fresh read-only look at a store another process writes."""
    if not db.exists():
        return []
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    con.row_factory = sqlite3.Row
    try:
        return list(con.execute(sql, params))
    except sqlite3.OperationalError:  # table not created yet
        return []
    finally:
        con.close()
