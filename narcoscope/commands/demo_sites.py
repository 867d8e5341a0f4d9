"""``narcoscope demo-sites``: serve the bundled fictional demo sites on 127.0.0.1."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

HELP = "serve the bundled fictional demo sites on 127.0.0.1 (until Ctrl-C)"


def add_parser(sub: Any) -> None:
    from narcoscope.cli import Formatter

    p = sub.add_parser("demo-sites", help=HELP, formatter_class=Formatter, description=HELP + """.

Three markets and two forums, generated from a seed, with 26 weekly snapshots. Switch the week
with `curl -X POST http://127.0.0.1:CONTROL/week/N`; the generator's truth is at /truth?week=N.""")
    p.add_argument("--week", type=int, default=25, help="the snapshot to serve first (0-25)")
    p.add_argument("--seed", type=int, default=7, help="generator seed")
    p.add_argument("--port", type=int, default=8400, help="control API port; the sites take the next five")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cmd = [sys.executable, "-m", "demosites", "serve", "--week", str(args.week), "--seed", str(args.seed),
           "--port-base", str(args.port)]
    os.execv(sys.executable, cmd)
    return 0  # not reached
