"""The hand-made Agora sample and an in-process CLI runner."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

SAMPLE = Path(__file__).parent / "agora_sample.csv"


@pytest.fixture
def sample() -> Path:
    return SAMPLE


def run_cli(argv: list[str]) -> int:
    """``narcoscope ARGV``; a stand-in parser until the command is listed in ``cli.COMMANDS``."""
    from narcoscope import cli

    module = {"import": "import_"}.get(argv[0], argv[0])
    if module in cli.COMMANDS:
        return cli.main(argv)
    parser = argparse.ArgumentParser(prog="narcoscope")
    sub = parser.add_subparsers(dest="command", required=True)
    importlib.import_module(f"narcoscope.commands.{module}").add_parser(sub)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except cli.UserError as exc:
        sys.stderr.write(f"narcoscope {args.command}: error: {exc}\n")
        return 2


@pytest.fixture
def cli() -> Callable[[list[str]], int]:
    return run_cli
