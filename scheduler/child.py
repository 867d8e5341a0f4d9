"""Each run is a child process: ``python -m narcoscope crawl SOURCE --observed-at SLOT``.

A crawl that crashes, leaks or wedges its reactor takes only its own process down, and every run
gets a fresh Twisted reactor (which cannot be restarted within one process). The child is tied
to the scheduler with Linux's parent-death signal: when the scheduler is killed (even with
``kill -9``) its children die with it, so a restarted scheduler never races an orphaned crawl
writing the same slot; the interrupted run is marked failed and retried instead.
"""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from narcoscope.paths import REPO_ROOT
from scheduler.jobstore import Job
from scheduler.timing import iso

_PR_SET_PDEATHSIG = 1


def _pdeathsig() -> Callable[[], None] | None:
    """A pre-exec hook asking the kernel to SIGKILL the child when its parent dies (Linux only)."""
    libc = _libc()
    if libc is None:
        return None
    parent = os.getpid()

    def hook() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return hook


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """The C library, loaded once in the parent (the pre-exec hook only calls into it)."""
    if not sys.platform.startswith("linux"):
        return None
    return ctypes.CDLL(None, use_errno=True)  # the process's own symbols include libc's prctl


def crawl_id_for(source: str, slot_iso: str) -> str:
    """The id ``ProfiledSpider`` gives a crawl of ``source`` observed at ``slot``."""
    from scheduler.timing import parse_iso

    return f"{source}@{parse_iso(slot_iso).strftime('%Y%m%dT%H%M%S')}"


def argv_for(job: Job, *, home: Path, index_url: str | None, mirror: str = "", profile: str = "") -> list[str]:
    """The child's command line; ``profile`` is the profile file to crawl with (default: the
    source's name, looked up in config/sites)."""
    base = [sys.executable, "-m", "narcoscope"]
    where = ["--home", str(home)] + (["--index", index_url] if index_url else [])
    if job.kind == "crawl":
        return [*base, "crawl", profile or job.source, "--observed-at", iso(job.slot), *where,
                *(["--mirror", mirror] if mirror else [])]
    if job.kind == "report":
        year, week, _ = (job.slot - timedelta(days=1)).isocalendar()  # the week that just ended
        return [*base, "report", "--week", f"{year}-W{week:02d}", *where]
    raise ValueError(f"unknown job kind {job.kind!r}")


def spawn(argv: list[str], log_path: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start the child with its output in its own log file."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    child_env = {**os.environ, **(env or {})}
    child_env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + child_env.get("PYTHONPATH", "")
    with open(log_path, "ab") as out:
        return subprocess.Popen(argv, cwd=REPO_ROOT, env=child_env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, preexec_fn=_pdeathsig())  # noqa: PLW1509
