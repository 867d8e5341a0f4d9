"""Shared fixtures: an extractor on the small fixture gazetteer (stable expectations) and, when
config/gazetteer/substances.yaml exists, one on the full gazetteer."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config"
FIXTURE_GAZETTEER = Path(__file__).parent / "fixtures" / "gazetteer"


@pytest.fixture(scope="session", autouse=True)
def _cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    old = os.environ.get("NARCOSCOPE_CACHE")
    os.environ["NARCOSCOPE_CACHE"] = str(tmp_path_factory.mktemp("nlp-cache"))
    yield
    if old is None:
        os.environ.pop("NARCOSCOPE_CACHE", None)
    else:
        os.environ["NARCOSCOPE_CACHE"] = old


@pytest.fixture(scope="session")
def extractor():  # type: ignore[no-untyped-def]
    from nlp import Extractor

    return Extractor.from_config(CONFIG, gazetteer_dir=FIXTURE_GAZETTEER)


@pytest.fixture(scope="session")
def full_extractor():  # type: ignore[no-untyped-def]
    if not (CONFIG / "gazetteer" / "substances.yaml").exists():
        pytest.skip("config/gazetteer/substances.yaml not built yet")
    from nlp import Extractor

    return Extractor.from_config(CONFIG)


@pytest.fixture(scope="session")
def gazette():  # type: ignore[no-untyped-def]
    from nlp.normalize.places import load_gazette

    return load_gazette(CONFIG / "places")
