"""``narcoscope scheduler``: the long-running service that crawls each source on its schedule."""

from __future__ import annotations

import argparse
import logging
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

HELP = "run scheduled crawls and reports unattended (a long-running service)"
DESCRIPTION = """\
Crawl every source whose site profile has a `schedule` (cron or interval, with jitter) and write
the weekly report on its own schedule. Each run is a child process (`narcoscope crawl SOURCE
--observed-at SLOT`); a failed run is retried with back-off, a source with no content is backed
off for hours, then days, and reported. Job history, alerts and the queue live in the record
store: see `narcoscope jobs`. Safe to kill at any time: a restart continues the schedules, and a
run that was interrupted is marked failed and retried."""

EPILOG = """\
profile example:  schedule: {cron: "0 */6 * * *", jitter: 20m}   or   schedule: {every: 6h, jitter: 30m}
metrics:          curl http://127.0.0.1:9464/metrics"""

log = logging.getLogger(__name__)


def add_parser(sub: Any) -> None:
    from narcoscope.cli import Formatter

    p = sub.add_parser("scheduler", help=HELP, description=DESCRIPTION, epilog=EPILOG, formatter_class=Formatter)
    p.add_argument("--home", help="data directory (default: $NARCOSCOPE_HOME or ./var)")
    p.add_argument("--index", help="index URL (default: $NARCOSCOPE_INDEX or sqlite in --home)")
    p.add_argument("--sites", type=Path, help="directory of site profiles to read schedules from")
    p.add_argument("--source", action="append", default=[], help="schedule only these sources (repeatable)")
    p.add_argument("--mirror", action="append", default=[], metavar="SOURCE=URL",
                   help="crawl SOURCE at URL instead of its profile's first mirror (repeatable)")
    p.add_argument("--default-every", metavar="DURATION",
                   help="schedule sources whose profile has no schedule this often (jitter: a tenth of it)")
    p.add_argument("--report-cron", default="0 6 * * 1", help="when to write the weekly report (cron)")
    p.add_argument("--no-report", action="store_true", help="schedule no report job")
    p.add_argument("--max-parallel", type=int, default=2, help="runs at once (never two of one source)")
    p.add_argument("--max-attempts", type=int, default=3, help="attempts per slot")
    p.add_argument("--retry-base", default="60s", help="wait before the 2nd attempt (×4 per attempt)")
    p.add_argument("--dead-base", default="1h", help="first back-off of a source with no content (×4 per run)")
    p.add_argument("--lease", default="30s", help="how long a run survives its scheduler's silence")
    p.add_argument("--tick", default="1s", help="how often the queue is looked at")
    p.add_argument("--max-catchup", type=int, default=3, help="missed slots run after downtime, per task")
    p.add_argument("--metrics-port", type=int, default=9464, help="/metrics on 127.0.0.1 (0: any port, -1: off)")
    p.add_argument("--log-json", action="store_true", help="structured JSON log lines")
    p.set_defaults(func=run)


def _mirrors(pairs: list[str]) -> dict[str, str]:
    from narcoscope.cli import UserError

    out = {}
    for pair in pairs:
        name, sep, url = pair.partition("=")
        if not sep or not url.startswith(("http://", "https://")):
            raise UserError(f"--mirror wants SOURCE=URL, got {pair!r}")
        out[name] = url
    return out


def build_service(args: argparse.Namespace) -> Any:
    from crawler.profiles import ProfileError, load_profiles
    from crawler.profiles.loader import parse_duration
    from crawler.profiles.model import Schedule
    from narcoscope.cli import UserError
    from narcoscope.paths import Paths
    from scheduler.service import SchedulerService, ServiceConfig, tasks_for

    try:
        profiles = load_profiles(args.sites)
        secs = {k: parse_duration(getattr(args, k)) for k in ("retry_base", "dead_base", "lease", "tick")}
    except ProfileError as exc:
        raise UserError(str(exc)) from None
    except ValueError as exc:
        raise UserError(f"bad duration {exc}") from None
    unknown = [s for s in args.source if s not in profiles]
    if unknown:
        raise UserError(f"unknown source(s): {', '.join(unknown)}")
    chosen = [p for n, p in profiles.items() if not args.source or n in args.source]
    if args.default_every:
        try:
            every = parse_duration(args.default_every)
        except ValueError:
            raise UserError(f"--default-every wants a duration like 6h, got {args.default_every!r}") from None
        chosen = [p if p.schedule else replace(p, schedule=Schedule(every=every, jitter=every / 10)) for p in chosen]
    report = None if args.no_report else Schedule(cron=args.report_cron)
    tasks = tasks_for(chosen, report)
    for p in chosen:
        if p.schedule is None:
            log.info("%s has no schedule in its profile: not scheduled", p.name)
    paths = Paths.from_env(args.home, args.index)
    config = ServiceConfig(home=paths.home, index_url=args.index, mirrors=_mirrors(args.mirror),
                           profiles={p.name: p.path for p in chosen},
                           max_parallel=args.max_parallel, max_attempts=args.max_attempts,
                           retry_base=secs["retry_base"], dead_base=secs["dead_base"], lease=secs["lease"],
                           heartbeat=max(min(secs["lease"] / 3, 5.0), 0.2), tick=secs["tick"],
                           max_catchup=args.max_catchup)
    return SchedulerService(tasks, config)


def run(args: argparse.Namespace) -> int:
    from scheduler.logjson import use_json_logs
    from scheduler.metrics import MetricsServer
    from scheduler.service import install_signal_handlers

    if args.log_json:
        use_json_logs()
    logging.getLogger("scheduler").setLevel(logging.INFO)
    service = build_service(args)
    metrics = None
    if args.metrics_port >= 0:
        metrics = MetricsServer(service.store.path, args.metrics_port).start()
        log.info("metrics at %s", metrics.url)
    stop = threading.Event()
    install_signal_handlers(stop)
    try:
        service.run_forever(stop, metrics.url if metrics else "")
    finally:
        if metrics:
            metrics.stop()
    return 0
