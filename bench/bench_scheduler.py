"""Distributed crawl throughput and the scheduler's own overhead, on the demo sites over loopback.

1. pages/s for one crawl worker and for two workers sharing one Redis frontier, over the same
   demo markets and weeks: span from the first worker's spider open to the last one's close
   (start-up of the Python processes excluded, as it is the same with any number of workers).
2. the scheduler's overhead per job: from due to child start (``spawn_delay_s``) and the
   bookkeeping per job (claim, spawn, outcome and history writes), with a tight tick loop;
   and the cost of one idle tick with the configured tasks.

    python bench/bench_scheduler.py [--sources tortuga,nightjar,velvet-alley] [--weeks 0] [--jobs 30]

Needs Debian's redis-server on PATH.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_redis(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("redis-server")
    if not binary:
        raise SystemExit("needs redis-server (apt-get install -y redis-server)")
    port = _free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp), "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    return proc, f"redis://127.0.0.1:{port}/0"


def crawl_with_workers(n: int, sources: list[str], weeks: list[int], sites: Any, redis_url: str) -> dict[str, float]:
    import redis

    from demosites.weeks import observed_at

    redis.Redis.from_url(redis_url).flushdb()  # a fresh frontier: the previous run saw every page
    urls = sites.sites()
    home = Path(tempfile.mkdtemp(prefix=f"bench-sched-{n}w-"))
    pages, span = 0, 0.0
    for week in weeks:
        sites.set_week(week)
        when = observed_at(week).isoformat()
        for source in sources:
            procs = [subprocess.Popen(
                [sys.executable, "-m", "crawler.distributed.worker", source, "--observed-at", when,
                 "--redis", redis_url, "--worker-id", f"{n}w{i}", "--mirror", urls[source], "--home", str(home)],
                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for i in range(n)]
            stats = [json.loads(p.communicate(timeout=600)[0].strip().splitlines()[-1]) for p in procs]
            starts = [datetime.fromisoformat(s["start_time"]) for s in stats]
            ends = [datetime.fromisoformat(s["finish_time"]) for s in stats]
            span += (max(ends) - min(starts)).total_seconds()
            pages += sum(int(s.get("response_received_count", 0)) for s in stats)
    shutil.rmtree(home, ignore_errors=True)
    return {"workers": n, "pages": pages, "crawl_s": round(span, 2), "pages_per_s": round(pages / span, 1)}


def scheduler_overhead(jobs: int) -> dict[str, float]:
    """Manual jobs of a source the crawler rejects at once: the child is real, its work is nil."""
    from crawler.profiles.model import Schedule
    from scheduler.service import SchedulerService, ServiceConfig, Task
    from scheduler.timing import Slots, utcnow

    home = Path(tempfile.mkdtemp(prefix="bench-sched-overhead-"))
    tasks = [Task(f"crawl:s{i}", "crawl", f"s{i}", Slots(f"crawl:s{i}", Schedule(every=86400))) for i in range(5)]
    service = SchedulerService(tasks, ServiceConfig(home=home, max_parallel=4, max_attempts=1, tick=0.0))
    service.tick()
    t0 = time.perf_counter()
    for _ in range(50):
        service.tick()
    idle_tick = (time.perf_counter() - t0) / 50
    due = utcnow() + timedelta(seconds=1)  # all due at once, after they are all queued
    for i in range(jobs):
        service.store.run_now(f"crawl:bench{i}", kind="crawl", source=f"bench{i}", now=due)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and (service.running or service.store.jobs(status="queued")):
        service.tick()
        time.sleep(0.001)
    rows = sorted(service.store.jobs(limit=jobs), key=lambda r: r["job_id"])
    first = [r["spawn_delay_s"] for r in rows[:4]]  # the first claim: --max-parallel 4 free slots
    shutil.rmtree(home, ignore_errors=True)
    ms = lambda xs: round(statistics.median(xs) * 1000, 2)  # noqa: E731
    return {"jobs": len(rows), "idle_tick_ms (5 tasks)": round(idle_tick * 1000, 2),
            "due_to_child_start_ms_first_claim": [round(d * 1000, 1) for d in first],
            "start_bookkeeping_ms_median (claim+spawn+record)": ms(service.spawn_work),
            "finish_bookkeeping_ms_median (outcome+history)": ms(service.finish_work)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sources", default="tortuga,nightjar,velvet-alley")
    ap.add_argument("--weeks", default="0")
    ap.add_argument("--jobs", type=int, default=30)
    args = ap.parse_args()
    from narcoscope.demo import DemoSites
    from tests.scheduler.sched_helpers import free_port_block

    sources, weeks = args.sources.split(","), [int(w) for w in args.weeks.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="bench-redis-"))
    redis_proc, url = start_redis(tmp)
    try:
        with DemoSites(control_port=free_port_block(start=36000)) as sites:
            for n in (1, 2):
                print(json.dumps(crawl_with_workers(n, sources, weeks, sites, url)), flush=True)
    finally:
        redis_proc.terminate()
        redis_proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(scheduler_overhead(args.jobs)), flush=True)


if __name__ == "__main__":
    main()
