"""An in-process ``narcoscope extract`` runner with stdin from a string."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable

import pytest


def run_cli(argv: list[str]) -> int:
    """``narcoscope ARGV``, in process."""
    from narcoscope.cli import main

    return main(argv)


@pytest.fixture
def extract(monkeypatch: pytest.MonkeyPatch) -> Callable[..., int]:
    def run(*args: str, stdin: str = "") -> int:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        return run_cli(["extract", *args])

    return run
