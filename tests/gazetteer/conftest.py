"""Shared fixtures: the shipped gazetteer and its inputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tools.gazetteer.curated import load_not_substances

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config" / "gazetteer"


@pytest.fixture(scope="session")
def config_dir() -> Path:
    """The gazetteer config folder in the work tree."""
    return CONFIG


@pytest.fixture(scope="session")
def gazetteer() -> dict[str, Any]:
    """The shipped substances.yaml, parsed."""
    return yaml.safe_load((CONFIG / "substances.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def not_substances() -> list[str]:
    """The shipped look-alike list."""
    return load_not_substances(CONFIG / "not_substances.yaml")


@pytest.fixture(scope="session")
def by_id(gazetteer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Substances keyed by id."""
    return {s["id"]: s for s in gazetteer["substances"]}
