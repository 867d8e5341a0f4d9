"""``narcoscope jobs``: see and steer the scheduler's queue (it may run on this machine or not)."""

from __future__ import annotations

import argparse
import sqlite3
from typing import Any

HELP = "list, inspect and control scheduled jobs; show health alerts"
DESCRIPTION = """\
The queue and history of `narcoscope scheduler`, read from the record store.
  list                 recent jobs (newest first), and each task's schedule state
  show JOB             one job in full
  run-now SOURCE|TASK  queue a run now (e.g. `tortuga` or `report:weekly`)
  pause / resume TASK  skip a task's slots (recorded as skipped) / schedule it again
  cancel JOB           drop a queued job, or stop a running one
  health               health and parser-drift alerts, and crawls flagged suspect"""


def add_parser(sub: Any) -> None:
    from narcoscope.cli import Formatter

    p = sub.add_parser("jobs", help=HELP, description=DESCRIPTION, formatter_class=Formatter)
    p.add_argument("--home", help="data directory (default: $NARCOSCOPE_HOME or ./var)")
    acts = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = acts.add_parser("list", help="recent jobs")
    ls.add_argument("--status", help="only jobs with this status")
    ls.add_argument("--task", help="only this task or source")
    ls.add_argument("--limit", type=int, default=30)
    acts.add_parser("show", help="one job in full").add_argument("job_id", type=int)
    acts.add_parser("run-now", help="queue a run now").add_argument("task")
    acts.add_parser("pause", help="pause a task").add_argument("task")
    acts.add_parser("resume", help="resume a task").add_argument("task")
    acts.add_parser("cancel", help="cancel a job").add_argument("job_id", type=int)
    h = acts.add_parser("health", help="health alerts")
    h.add_argument("--source", help="only this source")
    h.add_argument("--limit", type=int, default=30)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from narcoscope.paths import Paths
    from scheduler.jobstore import JobStore

    store = JobStore(Paths.from_env(args.home).db)
    try:
        return int(_ACTIONS[args.action](store, args))
    finally:
        store.close()


def _list(store: Any, args: argparse.Namespace) -> int:
    from scheduler.service import task_name

    rows = store.jobs(status=args.status, task=task_name(args.task) if args.task else None, limit=args.limit)
    print(f"{'job':>6}  {'task':<22} {'slot':<24} {'try':>3}  {'status':<10} {'pages':>6} {'listings':>8}"
          f" {'blocked':>7} {'errors':>6}  note")
    for r in rows:
        print(f"{r['job_id']:>6}  {r['task']:<22} {r['slot']:<24} {r['attempt']:>3}  {r['status']:<10}"
              f" {_n(r['pages']):>6} {_n(r['listings']):>8} {_n(r['blocked']):>7} {_n(r['errors']):>6}"
              f"  {r['error'] or ''}")
    print()
    for s in store.schedules():
        state = "paused" if s["paused"] else f"backed off until {s['dead_until']}" if s["dead_until"] else "active"
        print(f"{s['task']:<22} next slot {s['next_slot']}  {state}")
    return 0


def _n(value: int | None) -> str:
    return "-" if value is None else str(value)


def _show(store: Any, args: argparse.Namespace) -> int:
    from narcoscope.cli import UserError

    row = store.job(args.job_id)
    if row is None:
        raise UserError(f"no job {args.job_id}")
    for key in row.keys():  # noqa: SIM118 - sqlite3.Row is not a dict
        print(f"{key:<17} {row[key]}")
    return 0


def _run_now(store: Any, args: argparse.Namespace) -> int:
    from scheduler.service import task_name
    from scheduler.timing import utcnow

    task = task_name(args.task)
    kind, _, source = task.partition(":")
    job_id = store.run_now(task, kind=kind, source=source if kind == "crawl" else "", now=utcnow())
    print(f"queued job {job_id} ({task}); a running scheduler starts it within a tick")
    return 0


def _pause(store: Any, args: argparse.Namespace) -> int:
    from narcoscope.cli import UserError
    from scheduler.service import task_name

    task = task_name(args.task)
    if not store.set_paused(task, args.action == "pause"):
        raise UserError(f"no schedule for {task} yet (the scheduler creates it on its first tick)")
    print(f"{task}: {'paused' if args.action == 'pause' else 'resumed'}")
    return 0


def _cancel(store: Any, args: argparse.Namespace) -> int:
    from scheduler.timing import utcnow

    print(f"job {args.job_id}: {store.cancel(args.job_id, utcnow())}")
    return 0


def _health(store: Any, args: argparse.Namespace) -> int:
    db: sqlite3.Connection = store.db
    where, params = ("WHERE source=?", (args.source,)) if args.source else ("", ())
    rows = list(db.execute(f"SELECT * FROM health_alerts {where} ORDER BY alert_id DESC LIMIT ?",
                           (*params, args.limit)))
    if not rows:
        print("no health alerts")
    for r in rows:
        print(f"{r['raised_at']}  {r['source']:<14} {r['symptom']:<20} {r['detail']}  [{r['crawl_id']}]")
    flags = list(db.execute("SELECT * FROM crawl_flags ORDER BY flagged_at DESC LIMIT ?", (args.limit,)))
    if flags:
        print("\ncrawls whose volume is suspect (reports leave them out):")
        for f in flags:
            print(f"  {f['crawl_id']:<36} {f['reason']}")
    return 0


_ACTIONS = {"list": _list, "show": _show, "run-now": _run_now, "pause": _pause, "resume": _pause,
            "cancel": _cancel, "health": _health}
