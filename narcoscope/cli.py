"""``narcoscope``: one console script, one subcommand per task.

Subcommands live in ``narcoscope/commands/``; each module exposes ``add_parser(subparsers)`` and
imports its heavy dependencies (Scrapy, spaCy) only when run, so ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from narcoscope import __version__

COMMANDS = (
    "demo", "demo_sites", "crawl", "parse", "reprocess", "extract", "import_", "search", "report", "web", "user",
    "vendors", "candidates", "index", "scheduler", "jobs", "evidence", "doctor", "profiles",
)

DESCRIPTION = """\
narcoscope monitors darknet and open-source drug markets: it crawls marketplaces and forums
(optionally through Tor), keeps every page as evidence, extracts substances, vendors, origins and
prices, indexes them for search, and reports trends in new psychoactive substances (NPS).

Start with `narcoscope demo`: it serves the bundled fictional demo sites on 127.0.0.1, crawls 26
simulated weeks, and writes a report."""

EPILOG = """\
data lives in $NARCOSCOPE_HOME (default ./var); the index is $NARCOSCOPE_INDEX
(default sqlite:///$NARCOSCOPE_HOME/index.db; an http(s):// URL selects Elasticsearch).
Run `narcoscope COMMAND --help` for each command."""


class Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Shows an option's default, unless its help already says it (``$NARCOSCOPE_HOME or ./var``),
    the option is a flag, or there is none: "(default: None)" after such a help only confuses."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.default in (None, []) or action.nargs == 0 or "(default:" in text:
            return text
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="narcoscope", description=DESCRIPTION, epilog=EPILOG, formatter_class=Formatter)
    parser.add_argument("--version", action="version", version=f"narcoscope {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv: debug)")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"narcoscope.commands.{name}").add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING if args.quiet else logging.DEBUG if args.verbose >= 2 else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        datefmt="%H:%M:%S")
    if not args.verbose:
        for noisy in ("scrapy", "twisted", "asyncio", "py.warnings"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except UserError as exc:
        print(f"narcoscope {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        from index.base import IndexWriteError

        if isinstance(exc, IndexWriteError):  # the index is down, locked or of an older schema
            print(f"narcoscope {args.command}: index unavailable: {exc}", file=sys.stderr)
            return 3
        raise


class UserError(Exception):
    """A mistake the user can fix (bad argument, missing file): printed without a traceback."""


if __name__ == "__main__":
    sys.exit(main())
