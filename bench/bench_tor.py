"""Tor overhead: pages/s of the same Scrapy crawl over loopback HTTP and over a private Tor network.

Usage (from the project root)::

    .venv/bin/python -m bench.bench_tor [--pages 300] [--concurrency 1 4 16]

Starts a linked site on 127.0.0.1 and a private Tor network publishing it as an onion, then for each
concurrency crawls every page three ways, each in a fresh process (own reactor):
``default`` = Scrapy's own HTTP handler direct, ``handler`` = TorDownloadHandler on its direct
(clearnet) route, ``tor`` = TorDownloadHandler to the onion through Tor (one source, one circuit).
Throughput is pages / (finish_time - start_time) from Scrapy's stats, best of ``--repeat``
interleaved runs (load from other processes only ever slows a run). Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HANDLERS = {
    "http": "crawler.tor.handler.TorDownloadHandler",
    "https": "crawler.tor.handler.TorDownloadHandler",
}


def worker(cfg_path: str) -> None:
    """One crawl of the given URLs (all known up front, so concurrency is the only limit)."""
    import resource

    import scrapy
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    cfg = json.loads(Path(cfg_path).read_text())
    pages: list[int] = []

    class BenchSpider(scrapy.Spider):
        name = "bench"

        async def start(self) -> Any:
            for url in cfg["urls"]:
                yield scrapy.Request(url, meta={"tor_source": "bench"} if cfg["tor"] else {})

        def parse(self, response: Any) -> None:
            pages.append(len(response.body))

    process = CrawlerProcess(settings={
        "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False, "ROBOTSTXT_OBEY": False,
        "COOKIES_ENABLED": False, "RETRY_ENABLED": False,
        "CONCURRENT_REQUESTS": cfg["concurrency"], "CONCURRENT_REQUESTS_PER_DOMAIN": cfg["concurrency"],
        **cfg["settings"],
    })
    crawler = process.create_crawler(BenchSpider)
    cpu: dict[str, float] = {}

    def cpu_now() -> float:
        use = resource.getrusage(resource.RUSAGE_SELF)
        return use.ru_utime + use.ru_stime

    def opened() -> None:
        cpu["start"] = cpu_now()

    def closed() -> None:
        cpu["end"] = cpu_now()

    # Named functions held by this frame: Scrapy's signals keep only weak references.
    crawler.signals.connect(opened, signal=signals.spider_opened)
    crawler.signals.connect(closed, signal=signals.spider_closed)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats()
    elapsed = (stats["finish_time"] - stats["start_time"]).total_seconds()
    Path(cfg["out"]).write_text(json.dumps({"pages": len(pages), "elapsed": elapsed,
                                            "cpu": cpu["end"] - cpu["start"]}))


def run_one(urls: list[str], concurrency: int, settings: dict[str, Any], tor: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = {"urls": urls, "concurrency": concurrency, "settings": settings, "tor": tor,
               "out": f"{tmp}/out.json"}
        Path(f"{tmp}/cfg.json").write_text(json.dumps(cfg))
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-m", "bench.bench_tor", "--worker", f"{tmp}/cfg.json"],
                       cwd=ROOT, env=env, check=True, timeout=900)
        result: dict[str, Any] = json.loads(Path(f"{tmp}/out.json").read_text())
    if result["pages"] != len(urls):
        raise SystemExit(f"crawl fetched {result['pages']} of {len(urls)} pages: benchmark invalid")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--repeat", type=int, default=3, help="runs per cell; the best is kept")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return

    from crawler.tor.testnet import start_testnet
    from crawler.tor.testsite import LinkedSite

    site = LinkedSite(pages=args.pages).start()
    started = time.monotonic()
    net = start_testnet(site.port)
    print(f"private Tor network usable after {time.monotonic() - started:.1f} s (onion fetch polled)")
    try:
        paths = ["/"] + [f"/page/{n}" for n in range(1, args.pages)]
        modes = {
            "default": ([f"http://127.0.0.1:{site.port}{p}" for p in paths], {}, False),
            "handler": ([f"http://127.0.0.1:{site.port}{p}" for p in paths],
                        {"DOWNLOAD_HANDLERS": HANDLERS, "TOR_SOCKS": net.socks}, False),
            "tor": ([f"http://{net.onion_host}{p}" for p in paths],
                    {"DOWNLOAD_HANDLERS": HANDLERS, "TOR_SOCKS": net.socks}, True),
        }
        print(f"{args.pages} pages of ~2.2 KB; pages/s (higher is better) and crawler-process CPU ms/page")
        print(f"{'conc':>4} | {'default':>8} {'handler':>8} {'tor':>8} {'default/tor':>11} | "
              f"{'cpu:def':>8} {'handler':>8} {'tor':>8}")
        for conc in args.concurrency:
            rate, cpu = dict.fromkeys(modes, 0.0), dict.fromkeys(modes, float("inf"))
            for _ in range(args.repeat):  # interleaved, best kept: other load on the machine only slows
                for mode, (urls, settings, tor) in modes.items():
                    result = run_one(urls, conc, settings, tor)
                    rate[mode] = max(rate[mode], result["pages"] / result["elapsed"])
                    cpu[mode] = min(cpu[mode], 1000 * result["cpu"] / result["pages"])
            print(f"{conc:>4} | {rate['default']:>8.1f} {rate['handler']:>8.1f} {rate['tor']:>8.1f} "
                  f"{rate['default'] / rate['tor']:>10.1f}x | "
                  f"{cpu['default']:>8.2f} {cpu['handler']:>8.2f} {cpu['tor']:>8.2f}")
    finally:
        net.stop()
        site.stop()


if __name__ == "__main__":
    main()
