"""Fixtures for the Tor tests: one private Tor network per test run, shared by every test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from torcrawl import SITE_PAGES, run_crawl

from crawler.tor.testnet import Testnet, testnet_with_site, tor_binaries
from crawler.tor.testsite import LinkedSite
from narcoscope.demo import DemoSites
from tests.support import free_port_block

DEMO_ONION_PORT = 8402  # the demo market nightjar, on the same onion as the linked site


@pytest.fixture(scope="session")
def demo_sites() -> Iterator[DemoSites]:
    """The bundled demo sites on 127.0.0.1, for crawling a real demo market through Tor."""
    with DemoSites(control_port=free_port_block()) as sites:
        yield sites


@pytest.fixture(scope="session")
def tor_env(demo_sites: DemoSites) -> Iterator[tuple[Testnet, LinkedSite]]:
    """The private network and the site its onion serves, started once; skipped without tor."""
    if tor_binaries() is None:
        pytest.skip("tor and tor-gencert not installed (Debian: apt-get install tor)")
    nightjar_port = int(demo_sites.sites()["nightjar"].rsplit(":", 1)[1])
    with testnet_with_site(SITE_PAGES, extra_ports={DEMO_ONION_PORT: nightjar_port}) as env:
        yield env


@pytest.fixture(scope="session")
def tor_testnet(tor_env: tuple[Testnet, LinkedSite]) -> Testnet:
    return tor_env[0]


@pytest.fixture(scope="session")
def onion_site(tor_env: tuple[Testnet, LinkedSite]) -> LinkedSite:
    return tor_env[1]


@pytest.fixture
def crawl(tmp_path: Path) -> Callable[..., dict[str, Any]]:
    """Run one crawl in a fresh process (see crawl_harness.py); returns its JSON result."""

    def _crawl(config: dict[str, Any], timeout: float = 180) -> dict[str, Any]:
        return run_crawl(config, tmp_path, timeout)

    return _crawl
