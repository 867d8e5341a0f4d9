"""Two crawl workers, one Redis frontier, one demo market on 127.0.0.1: every page exactly once,
the index equal to the generator's truth, and a worker killed mid-crawl loses nothing."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
import redis

from demosites import DemoWorld
from index import open_index
from narcoscope.paths import Paths
from narcoscope.records import stable_id
from tests.scheduler.sched_helpers import demo_sites, query, start_module, wait_for

WEEK = 0
OBSERVED = "2026-05-04T12:00:00+00:00"  # demo week 0


def _worker(name: str, home: Path, redis_url: str, mirror: str, tmp: Path, delay: float = 0.05,
            index: str = "") -> subprocess.Popen[bytes]:
    home.mkdir(parents=True, exist_ok=True)
    return start_module(["crawler.distributed.worker", "tortuga", "--observed-at", OBSERVED, "--redis", redis_url,
                         "--worker-id", name, "--mirror", mirror, "--home", str(home), "--lease", "3",
                         "--set", f"DOWNLOAD_DELAY={delay}", "--set", "DOWNLOAD_DELAY_JITTER=0",
                         *(["--index", index] if index else [])],
                        home, tmp / f"{name}.log")


def _stats(log: Path) -> dict[str, Any]:
    lines = [ln for ln in log.read_text().splitlines() if ln.startswith('{"')]
    return json.loads(lines[-1]) if lines else {}


def _truth_listings() -> set[str]:
    truth = DemoWorld.build(seed=7).truth(WEEK)
    return {str(x["listing_id"]) for x in truth["listings"] if x["source"] == "tortuga"}  # type: ignore[index]


def _check_store_and_index(home: Path) -> None:
    truth = _truth_listings()
    db = home / "narcoscope.db"
    stored = {r[0] for r in query(db, "SELECT listing_id FROM listings WHERE source='tortuga'")}
    assert stored == truth
    _check_index(Paths.from_env(home).index_url)


def _check_index(index_url: str) -> None:
    """Every truth listing indexed, and the week's crawl volume is the whole site's, not one worker's."""
    truth = _truth_listings()
    idx = open_index(index_url)
    try:
        missing = [lid for lid in truth if idx.get(stable_id("listing", "tortuga", lid)) is None]
        totals = idx.weekly("source").totals
    finally:
        idx.close()
    assert not missing, f"{len(missing)} truth listings not in the index"
    truth_pages = DemoWorld.build(seed=7).truth(WEEK)["pages"]["tortuga"]  # type: ignore[index]
    assert [(t.crawl_pages, t.crawl_listings) for t in totals] == [(truth_pages, len(truth))]


@pytest.mark.slow
def test_two_workers_fetch_every_page_exactly_once(tmp_path: Path, redis_url: str) -> None:
    home = tmp_path / "home"
    with demo_sites(start=33000) as demo:
        mirror = demo.sites()["tortuga"]
        # 0.15 s between pages per worker (~10 s alone): longer than the two start-ups differ.
        workers = [_worker(n, home, redis_url, mirror, tmp_path, delay=0.15) for n in ("w1", "w2")]
        codes = [w.wait(timeout=300) for w in workers]
    assert codes == [0, 0], [(tmp_path / f"w{i}.log").read_text()[-2000:] for i in (1, 2)]
    db = home / "narcoscope.db"
    rows = query(db, "SELECT url, count(*) AS n, group_concat(crawl_id) AS who FROM pages"
                     " WHERE source='tortuga' GROUP BY url")
    twice = [(r["url"], r["who"]) for r in rows if r["n"] > 1]
    assert not twice, f"fetched more than once: {twice[:5]}"
    per_worker = {r[0]: r[1] for r in query(db, "SELECT crawl_id, count(*) FROM pages GROUP BY crawl_id")}
    assert set(per_worker) == {f"tortuga@20260504T120000~{w}" for w in ("w1", "w2")}
    assert all(n > 0 for n in per_worker.values()), per_worker  # both did a share
    # Responses counted by Scrapy itself agree: no fetch hidden by the pages table's upsert.
    responses = sum(int(_stats(tmp_path / f"{w}.log").get("response_received_count", 0)) for w in ("w1", "w2"))
    assert responses == len(rows)
    truth_pages = DemoWorld.build(seed=7).truth(WEEK)["pages"]["tortuga"]  # type: ignore[index]
    assert len(rows) == truth_pages
    _check_store_and_index(home)
    frontier = redis.Redis.from_url(redis_url)
    assert frontier.zcard("narcoscope:frontier:tortuga@20260504T120000:processing") == 0


@pytest.mark.slow
def test_killing_one_worker_loses_nothing(tmp_path: Path, redis_url: str) -> None:
    home = tmp_path / "home"
    db = home / "narcoscope.db"
    with demo_sites(start=34000) as demo:
        mirror = demo.sites()["tortuga"]
        # Slower pages (0.3 s apart per worker): both are mid-crawl together for several seconds.
        victim, survivor = (_worker(n, home, redis_url, mirror, tmp_path, delay=0.3) for n in ("w1", "w2"))

        def both_mid_crawl() -> bool:
            for name, proc in (("w1", victim), ("w2", survivor)):
                if proc.poll() is not None:  # crashed, or crawled the whole site alone
                    raise AssertionError(f"{name} ended before the kill: "
                                         + (tmp_path / f"{name}.log").read_text()[-3000:])
            counts = {r[0]: r[1] for r in query(db, "SELECT crawl_id, count(*) FROM pages GROUP BY crawl_id")}
            return len(counts) == 2 and min(counts.values()) >= 3
        wait_for("both workers mid-crawl", both_mid_crawl, timeout=120, every=0.05)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        assert survivor.wait(timeout=300) == 0, (tmp_path / "w2.log").read_text()[-3000:]
    assert _stats(tmp_path / "w1.log") == {}  # it really died mid-crawl: no final stats
    fetched = {r[0] for r in query(db, "SELECT DISTINCT url FROM pages WHERE source='tortuga'")}
    truth_pages = DemoWorld.build(seed=7).truth(WEEK)["pages"]["tortuga"]  # type: ignore[index]
    assert len(fetched) == truth_pages  # every page of the site, despite the kill
    stats = redis.Redis.from_url(redis_url).hgetall("narcoscope:frontier:tortuga@20260504T120000:stats")
    assert int(stats[b"done"]) == int(stats[b"seq"])  # every queued request was finished by someone
    assert int(stats.get(b"reclaimed", 0)) >= 1  # w1's leased requests went back to the queue
    _check_store_and_index(home)


@pytest.mark.slow
def test_workers_with_their_own_stores_share_the_queue_and_the_index(tmp_path: Path, redis_url: str) -> None:
    """The multi-host layout: each worker keeps its own store and evidence (a host's disk); the
    queue (Redis) and the index are shared. Together: every page once, the index equal to the truth,
    and the week's volume summed over both stores."""
    shared_index = f"sqlite:///{tmp_path / 'shared' / 'index.db'}"
    (tmp_path / "shared").mkdir()
    homes = {w: tmp_path / f"host-{w}" for w in ("w1", "w2")}
    with demo_sites(start=35000) as demo:
        mirror = demo.sites()["tortuga"]
        workers = [_worker(w, homes[w], redis_url, mirror, tmp_path, delay=0.15, index=shared_index) for w in homes]
        codes = [w.wait(timeout=300) for w in workers]
    assert codes == [0, 0], [(tmp_path / f"{w}.log").read_text()[-2000:] for w in homes]
    urls = {w: [r[0] for r in query(h / "narcoscope.db", "SELECT url FROM pages WHERE source='tortuga'")]
            for w, h in homes.items()}
    assert all(urls.values()), {w: len(u) for w, u in urls.items()}  # both did a share
    everything = urls["w1"] + urls["w2"]
    assert len(everything) == len(set(everything)), "a page fetched by both workers"
    truth_pages = DemoWorld.build(seed=7).truth(WEEK)["pages"]["tortuga"]  # type: ignore[index]
    assert len(everything) == truth_pages
    assert not (homes["w1"] / "index.db").exists() and not (homes["w2"] / "index.db").exists()
    _check_index(shared_index)
