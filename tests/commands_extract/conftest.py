"""An in-process ``narcoscope extract`` runner with stdin from a string."""

from __future__ import annotations

import argparse
import importlib
import io
import sys
from collections.abc import Callable

import pytest


def run_cli(argv: list[str]) -> int:
    """``narcoscope ARGV``; a stand-in parser until the command is listed in ``cli.COMMANDS``."""
    from narcoscope import cli

    if argv[0] in cli.COMMANDS:
        return cli.main(argv)
    parser = argparse.ArgumentParser(prog="narcoscope")
    sub = parser.add_subparsers(dest="command", required=True)
    importlib.import_module(f"narcoscope.commands.{argv[0]}").add_parser(sub)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except cli.UserError as exc:
        sys.stderr.write(f"narcoscope {args.command}: error: {exc}\n")
        return 2


@pytest.fixture
def extract(monkeypatch: pytest.MonkeyPatch) -> Callable[..., int]:
    def run(*args: str, stdin: str = "") -> int:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        return run_cli(["extract", *args])

    return run
