"""The hand-made Agora sample and an in-process CLI runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

SAMPLE = Path(__file__).parent / "agora_sample.csv"


@pytest.fixture
def sample() -> Path:
    return SAMPLE


def run_cli(argv: list[str]) -> int:
    """``narcoscope ARGV``, in process."""
    from narcoscope.cli import main

    return main(argv)


@pytest.fixture
def cli() -> Callable[[list[str]], int]:
    return run_cli
