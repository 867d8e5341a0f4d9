"""Crawl throughput: the full pipeline against a bare Scrapy spider, on the same demo pages.

The full pipeline fetches, stores evidence, parses with the site profile, extracts with spaCy and
indexes into SQLite. The baseline, in the same run, only fetches and parses with parsel. Each mode
runs in its own child process (a Twisted reactor cannot restart), over the same weeks and markets,
and the figure is pages per second of crawl time. Then ``reprocess`` re-reads the stored pages.

    python bench/bench_crawl.py [--weeks 8-13] [--sources tortuga,nightjar,velvet-alley] [--rounds 3]

Target (issue 3): full ≥ 0.8 × bare; reprocess ≥ 300 pages/s on one core. One bare-then-full run
swings by ±0.1 in ratio on this 2-core VM (disk writeback, neighbours), so the bench runs
``--rounds`` of them, each full crawl in a fresh home (the extraction memo starts cold in week 1
and is carried over between crawls through its file, as in scheduled crawls), and prints every
round and the median.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class CpuMeter:
    """Crawl-process CPU seconds from spider_opened to spider_closed (the window of the pages/s figure).

    CPU time is far less sensitive than wall time to other work on the machine, so the bench reports
    it too: the per-page CPU difference between the two modes is the pipeline's own cost.
    """

    def __init__(self, crawler: Any) -> None:
        from scrapy import signals

        self.stats, self.t0 = crawler.stats, 0.0
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CpuMeter:
        return cls(crawler)

    def opened(self) -> None:
        self.t0 = time.process_time()

    def closed(self) -> None:
        self.stats.set_value("bench/cpu_seconds", time.process_time() - self.t0)


def bare_crawl(urls: dict[str, str], sources: list[str], weeks: list[int], control: str) -> dict[str, Any]:
    """Fetch and parse with parsel only: the yardstick."""
    import scrapy


    class Bare(scrapy.Spider):
        name = "bare"
        # Scrapy declares custom_settings as an instance attribute: a ClassVar annotation breaks mypy
        custom_settings = {  # noqa: RUF012
            "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False, "CONCURRENT_REQUESTS": 16,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "DOWNLOAD_DELAY": 0, "EXTENSIONS": {CpuMeter: 0}}

        def __init__(self, base: str, **kw: Any) -> None:
            super().__init__(**kw)
            self.start_urls = [base + "/"]
            self.allowed_domains = ["127.0.0.1"]
            self.requested: set[str] = set()

        def parse(self, response: Any, **kw: Any) -> Any:
            yield {"title": response.css("h1::text, h2::text, title::text").get(),
                   "text": " ".join(response.css("body *::text").getall())[:2000]}
            for href in response.css("a::attr(href)").getall():
                url = response.urljoin(href)
                if url not in self.requested:  # the same cheap pre-filter the full spider uses
                    self.requested.add(url)
                    yield response.follow(url, callback=self.parse)

    return _run_sequence(lambda site: (Bare, {"base": urls[site]}), sources, weeks, control)


def full_crawl(urls: dict[str, str], sources: list[str], weeks: list[int], control: str) -> dict[str, Any]:
    from crawler.profiles import load_profiles
    from crawler.run import CrawlJob, run_crawls
    from crawler.settings import BASE
    from demosites.weeks import observed_at
    from narcoscope.demo import DemoSites

    sites = DemoSites(control_port=int(control.rsplit(":", 1)[1]))
    profiles = load_profiles()
    jobs = [CrawlJob(profiles[s], observed_at(w), mirror=urls[s],
                     before=functools.partial(sites.set_week, w) if i == 0 else None)
            for w in weeks for i, s in enumerate(sources)]
    t0 = time.perf_counter()
    outcomes = run_crawls(jobs, overrides={"LOG_LEVEL": "WARNING", "EXTENSIONS": {**BASE["EXTENSIONS"], CpuMeter: 0}})
    wall = time.perf_counter() - t0
    crawl_s = sum((o.stats["finish_time"] - o.stats["start_time"]).total_seconds() for o in outcomes)
    return {"pages": sum(o.pages for o in outcomes), "crawl_seconds": crawl_s, "wall_seconds": wall,
            "listings": sum(o.listings for o in outcomes),
            "cpu_seconds": sum(o.stats.get("bench/cpu_seconds", 0.0) for o in outcomes)}


def _run_sequence(make: Any, sources: list[str], weeks: list[int], control: str) -> dict[str, Any]:
    import asyncio

    from scrapy.crawler import AsyncCrawlerProcess, Crawler
    from scrapy.settings import Settings

    from narcoscope.demo import DemoSites

    sites = DemoSites(control_port=int(control.rsplit(":", 1)[1]))
    process = AsyncCrawlerProcess(Settings(), install_root_handler=False)
    result = {"pages": 0, "crawl_seconds": 0.0, "wall_seconds": 0.0, "cpu_seconds": 0.0}

    async def seq() -> None:
        t0 = time.perf_counter()
        for w in weeks:
            sites.set_week(w)
            for s in sources:
                cls, kw = make(s)
                crawler = Crawler(cls, process.settings)
                await crawler.crawl_async(**kw)
                st = crawler.stats.get_stats() if crawler.stats else {}
                result["pages"] += int(st.get("response_received_count", 0))
                result["crawl_seconds"] += (st["finish_time"] - st["start_time"]).total_seconds()
                result["cpu_seconds"] += st.get("bench/cpu_seconds", 0.0)
        result["wall_seconds"] = time.perf_counter() - t0

    from twisted.internet import defer, reactor

    def start() -> None:
        d = defer.Deferred.fromFuture(asyncio.ensure_future(seq()))

        def stop(_: object) -> None:
            reactor.stop()  # type: ignore[attr-defined,misc]

        d.addBoth(stop)

    reactor.callWhenRunning(start)  # type: ignore[attr-defined]
    process.start(stop_after_crawl=False)
    return result


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc), 0 where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child(mode: str, payload: str) -> None:
    args = json.loads(payload)
    fn = bare_crawl if mode == "bare" else full_crawl
    print(json.dumps(fn(args["urls"], args["sources"], args["weeks"], args["control"])))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weeks", default="8-13")
    ap.add_argument("--sources", default="tortuga,nightjar,velvet-alley")
    ap.add_argument("--port", type=int, default=8450, help="demo sites control port")
    ap.add_argument("--rounds", type=int, default=3,
                    help="bare-then-full rounds; the ratio is their median (one run swings ±0.1 here)")
    ap.add_argument("--child", choices=("bare", "full"), help=argparse.SUPPRESS)
    ap.add_argument("--payload", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(a.child, a.payload)
        return
    from demosites.weeks import parse_weeks
    from narcoscope.demo import DemoSites
    from narcoscope.paths import Paths
    from narcoscope.reprocess import reprocess

    weeks, sources = parse_weeks(a.weeks), a.sources.split(",")
    rounds: list[dict[str, dict[str, Any]]] = []
    with DemoSites(control_port=a.port) as sites:
        for _ in range(a.rounds):
            with tempfile.TemporaryDirectory() as home:
                payload = json.dumps({"urls": sites.sites(), "sources": sources, "weeks": weeks,
                                      "control": sites.control_url})
                env = {**os.environ, "NARCOSCOPE_HOME": home, "PYTHONPATH": str(ROOT)}
                figures = {}
                for mode in ("bare", "full"):
                    server0 = _cpu_of(sites.proc.pid if sites.proc else 0)
                    out = subprocess.run([sys.executable, __file__, "--child", mode, "--payload", payload],
                                         env=env, check=True, capture_output=True, text=True).stdout
                    figures[mode] = json.loads(out.strip().splitlines()[-1])
                    figures[mode]["server_cpu_seconds"] = _cpu_of(sites.proc.pid if sites.proc else 0) - server0
                rounds.append(figures)
                os.environ["NARCOSCOPE_HOME"] = home
                rp = reprocess(Paths.from_env(home))
    print(f"weeks {a.weeks}, sources {a.sources}, {a.rounds} round(s) of bare then full, each in a fresh home")
    ratios, cpu_ratios = [], []
    for i, figures in enumerate(rounds, 1):
        bare, full = figures["bare"], figures["full"]
        rate = {m: f["pages"] / f["crawl_seconds"] for m, f in figures.items()}
        cpu = {m: 1000 * f["cpu_seconds"] / f["pages"] for m, f in figures.items()}
        ratios.append(rate["full"] / rate["bare"])
        cpu_ratios.append(cpu["bare"] / cpu["full"])
        print(f"round {i}: bare {bare['pages']} pages {rate['bare']:6.1f} pages/s, full {full['pages']} pages"
              f" ({full['listings']} listings) {rate['full']:6.1f} pages/s, ratio {ratios[-1]:.2f};"
              f" CPU bare {cpu['bare']:.2f} ms/page, full {cpu['full']:.2f} (+{cpu['full'] - cpu['bare']:.2f},"
              f" ratio {cpu_ratios[-1]:.2f})")
    srv = {m: 1000 * sum(r[m]["server_cpu_seconds"] for r in rounds) / sum(r[m]["pages"] for r in rounds)
           for m in ("bare", "full")}
    print(f"ratio full/bare    : {statistics.median(ratios):.2f} median of {len(ratios)}"
          f" (min {min(ratios):.2f}, max {max(ratios):.2f})   (target ≥ 0.80)")
    print(f"CPU ratio          : {statistics.median(cpu_ratios):.2f} median")
    print(f"demo-server CPU    : bare {srv['bare']:.2f} ms/page, full {srv['full']:.2f} ms/page"
          f"  (load average {os.getloadavg()[0]:.1f}: wall figures are noisy on a shared machine)")
    print(f"reprocess          : {rp.pages:>6} pages in {rp.seconds:6.1f}s  {rp.pages_per_second:7.1f} pages/s"
          f"   (target ≥ 300, one core)")


if __name__ == "__main__":
    main()
