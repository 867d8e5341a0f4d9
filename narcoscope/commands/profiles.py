"""``narcoscope profiles``: list and validate the site profiles in config/sites."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

HELP = "list the configured sources and validate their site profiles"


def add_parser(sub: Any) -> None:
    from narcoscope.cli import Formatter

    p = sub.add_parser("profiles", help=HELP, description=HELP + ".\nAn error names the file, "
                       "the line and the field.", formatter_class=Formatter)
    p.add_argument("paths", nargs="*", type=Path, help="profile files (default: all of config/sites)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from crawler.profiles import ProfileError, load_profile, load_profiles

    try:
        profiles = [load_profile(p) for p in args.paths] if args.paths else list(load_profiles().values())
    except ProfileError as exc:
        print(f"invalid profile: {exc}")
        return 1
    for prof in profiles:
        kinds = ", ".join(r.kind for r in prof.pages)
        net = "onion" if prof.onion else "clearnet"
        print(f"{prof.name:<16} {prof.kind:<7} {net:<8} {prof.mirrors[0]:<32} pages: {kinds}")
    print(f"{len(profiles)} profile(s) valid")
    return 0
