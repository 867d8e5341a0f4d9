"""Command line: ``python -m demosites serve|render|truth|rates``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
from pathlib import Path
from urllib.parse import quote

from demosites.bench import measure
from demosites.markup import FALLBACK
from demosites.rates import RATES_CSV, write_crypto_csv
from demosites.samples import save_samples
from demosites.server import DEFAULT_PORT_BASE, DemoServer
from demosites.weeks import check_week, parse_weeks
from demosites.world import DemoWorld

log = logging.getLogger("demosites")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m demosites", description=__doc__)
    parser.add_argument("--seed", type=int, default=7, help="world seed (default 7)")
    sub = parser.add_subparsers(dest="cmd", required=True)
    serve = sub.add_parser("serve", help="serve all sites on 127.0.0.1 until killed")
    serve.add_argument("--week", type=int, default=0)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port-base", type=int, default=DEFAULT_PORT_BASE,
                       help="control port; sites use the next five (0: ephemeral ports)")
    render = sub.add_parser("render", help="write static pages per site per week")
    render.add_argument("--out", type=Path, required=True)
    render.add_argument("--weeks", default="0-25")
    truth = sub.add_parser("truth", help="print one week's truth as JSON")
    truth.add_argument("--week", type=int, required=True)
    rates = sub.add_parser("rates", help="(re)write config/rates/crypto-demo.csv")
    rates.add_argument("--out", type=Path, default=RATES_CSV)
    sub.add_parser("samples", help="(re)write the saved sample pages under tests/pages")
    bench = sub.add_parser("bench", help="measure server throughput on ephemeral ports")
    bench.add_argument("--requests", type=int, default=4000)
    bench.add_argument("--workers", type=int, default=16)
    bench.add_argument("--week", type=int, default=12)
    bench.add_argument("--no-keep-alive", action="store_true")
    for p in (serve, render, truth, bench):
        p.add_argument("--seed", type=int, default=argparse.SUPPRESS)
    return parser


def static_name(path: str) -> str:
    """A file name for a URL path (query included): "/item?id=5" -> "item%3Fid%3D5.html"."""
    if path == FALLBACK:
        return "_fallback.html"
    name = quote(path.lstrip("/") or "index", safe="")
    return f"{name}.html"


def render_static(world: DemoWorld, out: Path, weeks: list[int]) -> int:
    """Write ``out/week-NN/<site>/<quoted path>.html`` plus ``truth.json``; returns page count."""
    count = 0
    for week in weeks:
        wdir = out / f"week-{week:02d}"
        for site, pages in world.render(week).items():
            sdir = wdir / site
            sdir.mkdir(parents=True, exist_ok=True)
            for path, (_status, _ctype, body) in pages.items():
                (sdir / static_name(path)).write_bytes(body)
                count += 1
        (wdir / "truth.json").write_text(json.dumps(world.truth(week), ensure_ascii=False,
                                                    indent=1), encoding="utf-8")
    return count


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.cmd == "rates":
        log.info("wrote %s", write_crypto_csv(args.out))
        return 0
    if args.cmd == "samples":
        log.info("wrote %d sample pages", len(save_samples()))
        return 0
    world = DemoWorld.build(args.seed)
    if args.cmd == "bench":
        result = measure(world, check_week(args.week), args.requests, args.workers,
                         keep_alive=not args.no_keep_alive)
        sys.stdout.write(json.dumps(result) + "\n")
        return 0
    if args.cmd == "truth":
        sys.stdout.write(json.dumps(world.truth(check_week(args.week)), ensure_ascii=False,
                                    indent=1) + "\n")
        return 0
    if args.cmd == "render":
        n = render_static(world, args.out, parse_weeks(args.weeks))
        log.info("wrote %d pages under %s", n, args.out)
        return 0
    try:
        srv = DemoServer(world, host=args.host, port_base=args.port_base, week=args.week).start()
    except ValueError as exc:
        log.error("%s", exc)
        return 2
    for site, url in srv.urls.items():
        log.info("%-13s %s", site, url)
    log.info("%-13s %s  (GET /week, POST /week/<n>, GET /truth?week=n, GET /sites)", "control",
             srv.control_url)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()
    return 0
