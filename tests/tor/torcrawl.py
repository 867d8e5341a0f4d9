"""Shared helpers for the Tor tests: the crawl runner and the handler settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HARNESS = Path(__file__).with_name("crawl_harness.py")
HANDLERS = {
    "http": "crawler.tor.handler.TorDownloadHandler",
    "https": "crawler.tor.handler.TorDownloadHandler",
}
SITE_PAGES = 12


def run_crawl(config: dict[str, Any], tmp_path: Path, timeout: float = 180) -> dict[str, Any]:
    """Run ``crawl_harness.py`` in a fresh interpreter and return its JSON result."""
    out = tmp_path / f"result-{len(list(tmp_path.iterdir()))}.json"
    cfg_path = out.with_suffix(".cfg.json")
    cfg_path.write_text(json.dumps({**config, "out": str(out)}))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(var, None)
    done = subprocess.run(
        [sys.executable, str(HARNESS), str(cfg_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )
    if done.returncode != 0 or not out.exists():
        raise AssertionError(f"crawl process failed ({done.returncode}):\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(out.read_text())
    result["log"] = done.stderr
    return result
