"""``narcoscope doctor``: is Tor reachable, bootstrapped, able to reach onions, and leak-free?"""

from __future__ import annotations

import argparse
from typing import Any

HELP = "check the Tor set-up: SOCKS port, bootstrap, an onion fetch, no local name resolution"


def add_parser(sub: Any) -> None:
    from narcoscope.cli import Formatter

    p = sub.add_parser("doctor", help=HELP, formatter_class=Formatter, description=HELP + """.

Reads TOR_SOCKS / TOR_CONTROL from the options or the environment (NARCOSCOPE_TOR_SOCKS,
NARCOSCOPE_TOR_CONTROL). With --onion (or a source whose mirror is an onion), fetches it through
Tor and proves that the .onion name was never resolved on this machine. Prints what is wrong and
how to fix it; exit status 1 when any check fails.""",
                       epilog="example: narcoscope doctor --socks 127.0.0.1:9050 --source hidden-market")
    p.add_argument("--socks", help="Tor SocksPort, host:port (default: $NARCOSCOPE_TOR_SOCKS)")
    p.add_argument("--control", help="Tor ControlPort, host:port (default: $NARCOSCOPE_TOR_CONTROL)")
    p.add_argument("--onion", help="an onion URL to fetch through Tor")
    p.add_argument("--source", help="a configured source: its first onion mirror is fetched")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds for the onion fetch")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import os

    from crawler.profiles import ProfileError, load_profile
    from crawler.run import build_settings
    from crawler.tor.doctor import run_doctor
    from narcoscope.cli import UserError

    settings = build_settings()
    socks = args.socks or os.environ.get("NARCOSCOPE_TOR_SOCKS", "")
    control = args.control or os.environ.get("NARCOSCOPE_TOR_CONTROL", "")
    keys = ("DOWNLOAD_HANDLERS", "TOR_SOCKS", "TOR_CONTROL", "TOR_CONTROL_PASSWORD", "TOR_ALL_TRAFFIC", "TOR_ISOLATE")
    mapping: dict[str, Any] = {k: settings.get(k) for k in keys}
    mapping.update(TOR_SOCKS=socks or mapping["TOR_SOCKS"], TOR_CONTROL=control or mapping["TOR_CONTROL"])
    onion = args.onion or ""
    if args.source:
        try:
            prof = load_profile(args.source)
        except ProfileError as exc:
            raise UserError(str(exc)) from None
        onion = next((m + prof.start[0] for m in prof.mirrors if ".onion" in m), onion)
    checks = run_doctor(mapping, onion_url=onion, timeout=args.timeout)
    for c in checks:
        print(f"[{'ok' if c.ok else 'FAIL'}] {c.name}: {c.message}")
        if not c.ok and c.fix:
            print(f"       fix: {c.fix}")
    return 0 if checks and all(c.ok for c in checks) else 1
