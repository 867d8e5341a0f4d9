"""Measure how fast ``DemoServer`` serves pages: a bounded burst of concurrent GETs."""

from __future__ import annotations

import http.client
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from demosites.markup import FALLBACK
from demosites.server import DemoServer
from demosites.world import DemoWorld


def _worker(jobs: list[tuple[str, str]], keep_alive: bool) -> tuple[int, int]:
    conns: dict[str, http.client.HTTPConnection] = {}
    ok = nbytes = 0
    for base, path in jobs:
        netloc = urlsplit(base).netloc
        conn = conns.get(netloc) if keep_alive else None
        if conn is None:
            conn = http.client.HTTPConnection(netloc, timeout=10)
            conns[netloc] = conn
        conn.request("GET", path)
        resp = conn.getresponse()
        nbytes += len(resp.read())
        ok += resp.status == 200
        if not keep_alive:
            conn.close()
            del conns[netloc]
    for conn in conns.values():
        conn.close()
    return ok, nbytes


def measure(world: DemoWorld, week: int = 12, requests: int = 4000, workers: int = 16,
            keep_alive: bool = True) -> dict[str, float]:
    """Serve ``week`` on ephemeral ports and fetch ``requests`` pages from ``workers`` threads."""
    with DemoServer(world, port_base=0, week=week) as srv:
        urls = srv.urls
        every = [(urls[site], path) for site, pages in world.render(week).items()
                 for path in pages if path != FALLBACK]
        jobs = [every[i % len(every)] for i in range(requests)]
        chunks = [jobs[i::workers] for i in range(workers)]
        start = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(lambda c: _worker(c, keep_alive), chunks))
        elapsed = time.perf_counter() - start
    ok = sum(r[0] for r in results)
    return {"requests": float(requests), "ok": float(ok), "seconds": round(elapsed, 3),
            "pages_per_s": round(requests / elapsed, 1),
            "mb_per_s": round(sum(r[1] for r in results) / elapsed / 1e6, 2)}
