"""An in-process ``narcoscope extract`` runner with stdin from a string."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable

import pytest

from narcoscope.cli import main


@pytest.fixture
def extract(monkeypatch: pytest.MonkeyPatch) -> Callable[..., int]:
    def run(*args: str, stdin: str = "") -> int:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        return main(["extract", *args])

    return run
