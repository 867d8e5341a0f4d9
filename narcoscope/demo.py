"""The main job on the embedded default: demo sites → crawl 26 weeks → extract → index → report.

The demo sites run in their own process so that serving pages never competes with the crawl for
the interpreter lock; the crawl drives them week by week through their control API.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from narcoscope.paths import REPO_ROOT

DEMO_SOURCES = ("tortuga", "nightjar", "velvet-alley", "the-hive", "dreadnought")


@dataclass
class DemoSites:
    """The bundled demo sites, served by a child process on 127.0.0.1."""

    control_port: int = 8400  # the sites take the next five ports
    seed: int = 7
    proc: subprocess.Popen[bytes] | None = None

    @property
    def control_url(self) -> str:
        return f"http://127.0.0.1:{self.control_port}"

    def start(self, timeout: float = 60.0) -> DemoSites:
        cmd = [sys.executable, "-m", "demosites", "serve", "--port-base", str(self.control_port),
               "--seed", str(self.seed), "--week", "0"]
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self.proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the demo sites exited with status {self.proc.returncode} (are ports "
                                   f"{self.control_port}-{self.control_port + 5} in use?)")
            try:
                self.sites()
                return self
            except (OSError, http.client.HTTPException):
                # Not listening yet. On a port in the ephemeral range a connection to a port nobody
                # listens on can meet itself (TCP simultaneous open) and read its own request back:
                # BadStatusLine("GET /sites HTTP/1.1"), seen in CI.
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the demo sites did not start within {timeout:.0f}s")

    def _call(self, path: str, method: str = "GET") -> object:
        req = urllib.request.Request(self.control_url + path, method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def sites(self) -> dict[str, str]:
        got = self._call("/sites")
        assert isinstance(got, dict)
        return {str(k): str(v) for k, v in got.items()}

    def set_week(self, week: int) -> None:
        self._call(f"/week/{week}", method="POST")

    def truth(self, week: int) -> dict[str, object]:
        got = self._call(f"/truth?week={week}")
        assert isinstance(got, dict)
        return got

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None

    def __enter__(self) -> DemoSites:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def demo_jobs(sites: DemoSites, weeks: list[int], sources: tuple[str, ...] = DEMO_SOURCES) -> list:  # type: ignore[type-arg]
    """One crawl per source per week, switching the demo sites to the week before its first crawl."""
    from crawler.profiles import load_profiles
    from crawler.run import CrawlJob
    from demosites.weeks import observed_at

    profiles = load_profiles()
    urls = sites.sites()
    jobs = []
    for week in weeks:
        for i, name in enumerate(sources):
            before: Callable[[], None] | None = (lambda w=week: sites.set_week(w)) if i == 0 else None
            jobs.append(CrawlJob(profiles[name], observed_at(week), mirror=urls[name], before=before))
    return jobs


def run_demo(home: Path | None, weeks: list[int], *, control_port: int = 8400, log_level: str = "WARNING",
             progress: Callable[[object], None] | None = None) -> list:  # type: ignore[type-arg]
    from crawler.run import run_crawls

    overrides = {"NARCOSCOPE_HOME": str(home)} if home else {}
    overrides["LOG_LEVEL"] = log_level
    with DemoSites(control_port=control_port) as sites:
        return run_crawls(demo_jobs(sites, weeks), overrides=overrides, progress=progress)


def week_label(when: datetime) -> str:
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"
