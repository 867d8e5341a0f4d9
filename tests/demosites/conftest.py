"""Shared fixtures: one world for seed 7, renders and truths cached per week."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import pytest

from demosites.markup import Page
from demosites.world import DemoWorld

SEED = 7


@lru_cache(maxsize=1)
def _world() -> DemoWorld:
    return DemoWorld.build(SEED)


@lru_cache(maxsize=32)
def _rendered(week: int) -> dict[str, dict[str, Page]]:
    return _world().render(week)


@lru_cache(maxsize=32)
def _truth(week: int) -> dict[str, Any]:
    return _world().truth(week)


@pytest.fixture(scope="session")
def world() -> DemoWorld:
    return _world()


@pytest.fixture(scope="session")
def rendered() -> Callable[[int], dict[str, dict[str, Page]]]:
    """``rendered(week)`` -> {site: {path: page}} (cached)."""
    return _rendered


@pytest.fixture(scope="session")
def truth() -> Callable[[int], dict[str, Any]]:
    """``truth(week)`` -> truth dict (cached)."""
    return _truth
