"""The hand-made Agora sample and an in-process CLI runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from narcoscope.cli import main

SAMPLE = Path(__file__).parent / "agora_sample.csv"


@pytest.fixture
def sample() -> Path:
    return SAMPLE


@pytest.fixture
def cli() -> Callable[[list[str]], int]:
    """``narcoscope ARGV``, in process."""
    return main
