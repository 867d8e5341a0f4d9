"""Real crawls through the private Tor network on 127.0.0.1 (started once per run, ~25 s)."""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from torcrawl import HANDLERS, SITE_PAGES

from crawler.tor.control import TorControl
from crawler.tor.doctor import run_doctor
from crawler.tor.routing import is_onion
from crawler.tor.testnet import Testnet, free_ports
from crawler.tor.testsite import LinkedSite

pytestmark = [pytest.mark.tor, pytest.mark.slow]
Crawl = Callable[..., dict[str, Any]]


def unpublished_onion() -> str:
    """A well-formed v3 onion address (real ed25519 key, right checksum) that nobody publishes."""
    key = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    checksum = hashlib.sha3_256(b".onion checksum" + key + b"\x03").digest()[:2]
    return base64.b32encode(key + checksum + b"\x03").decode().lower() + ".onion"


def all_pages(host: str) -> set[str]:
    return {f"http://{host}/"} | {f"http://{host}/page/{n}" for n in range(1, SITE_PAGES)}


def test_crawl_fetches_every_onion_page(tor_testnet: Testnet, onion_site: LinkedSite, crawl: Crawl) -> None:
    before = len(onion_site.hits)
    result = crawl({
        "requests": [[f"http://{tor_testnet.onion_host}/", "market-a"]],
        "settings": {"DOWNLOAD_HANDLERS": HANDLERS, "TOR_SOCKS": tor_testnet.socks},
    })
    assert {page["url"] for page in result["fetched"]} == all_pages(tor_testnet.onion_host), result["failed"]
    assert all(page["status"] == 200 for page in result["fetched"])
    assert result["stats"]["tor/request_count"] == SITE_PAGES
    # the pages really came from our site through the onion service, Host header = the onion
    assert {host for _, host in onion_site.hits[before:]} == {tor_testnet.onion_host}


def test_no_onion_name_reaches_the_local_resolver(tor_testnet: Testnet, crawl: Crawl) -> None:
    url = f"http://{tor_testnet.onion_host}/"
    result = crawl({
        "requests": [[url, "market-a"]],
        "settings": {"DOWNLOAD_HANDLERS": HANDLERS, "TOR_SOCKS": tor_testnet.socks},
    })
    assert len(result["fetched"]) == SITE_PAGES
    assert not [name for name in result["resolved"] if is_onion(name)], result["resolved"]
    # Control: a socks5:// (not socks5h) client through the same Tor leaks the name; the detector sees it.
    leaky = crawl({"mode": "requests-socks5", "requests": [[url, None]], "settings": {"TOR_SOCKS": tor_testnet.socks}})
    assert tor_testnet.onion_host in leaky["resolved"]
    assert leaky["fetched"] == []  # and, resolving locally, it cannot even reach the onion


@pytest.fixture
def stream_events(tor_testnet: Testnet) -> Iterator[list[str]]:
    """STREAM events seen on the client's control port while the test runs."""
    events: list[str] = []
    ctl = TorControl(("127.0.0.1", tor_testnet.control_port))
    ctl.authenticate()
    ctl.command("SETEVENTS STREAM")

    def listen() -> None:
        try:
            while True:
                line = ctl.readline()
                if line.startswith("650 STREAM"):
                    events.append(line)
        except (ConnectionError, OSError, ValueError):
            return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    yield events
    ctl.shutdown()
    thread.join(timeout=5)
    ctl.close()


def test_sources_use_distinct_circuits_on_real_tor(
    tor_testnet: Testnet, stream_events: list[str], crawl: Crawl
) -> None:
    host = tor_testnet.onion_host
    result = crawl({
        "requests": [[f"http://{host}/", "market-a"], [f"http://{host}/page/1", "forum-b"]],
        "settings": {"DOWNLOAD_HANDLERS": HANDLERS, "TOR_SOCKS": tor_testnet.socks},
    })
    assert len(result["fetched"]) >= SITE_PAGES, result["failed"]
    circuits: dict[str, set[str]] = {}
    for line in stream_events:
        fields = line.split()
        user = re.search(r'SOCKS_USERNAME="([^"]*)"', line)
        if fields[3] == "SUCCEEDED" and user:
            circuits.setdefault(user.group(1), set()).add(fields[4])
    assert set(circuits) == {"narcoscope:market-a", "narcoscope:forum-b"}, stream_events
    assert not circuits["narcoscope:market-a"] & circuits["narcoscope:forum-b"]


def test_dead_mirror_does_not_block_another_source(tor_testnet: Testnet, crawl: Crawl) -> None:
    dead = unpublished_onion()
    result = crawl({
        "requests": [[f"http://{dead}/", "dead-market"], [f"http://{tor_testnet.onion_host}/", "market-a"]],
        "settings": {"DOWNLOAD_HANDLERS": HANDLERS, "TOR_SOCKS": tor_testnet.socks, "DOWNLOAD_TIMEOUT": 60},
    })
    assert {p["url"] for p in result["fetched"]} == all_pages(tor_testnet.onion_host), result["failed"]
    [failure] = result["failed"]
    assert failure["url"] == f"http://{dead}/" and failure["error"] in {"Socks5Error", "DownloadTimeoutError"}


def test_doctor_all_ok_on_the_test_network(tor_testnet: Testnet) -> None:
    checks = run_doctor(
        {"DOWNLOAD_HANDLERS": HANDLERS, "TOR_SOCKS": tor_testnet.socks,
         "TOR_CONTROL": f"127.0.0.1:{tor_testnet.control_port}"},
        onion_url=f"http://{tor_testnet.onion_host}/",
    )
    assert [c.name for c in checks] == ["tor-handler", "tor-socks", "tor-bootstrap", "onion-fetch",
                                        "no-local-resolution"]
    assert all(c.ok for c in checks), checks


def test_doctor_reports_closed_port_with_a_fix() -> None:
    [port] = free_ports(1)
    checks = run_doctor({"DOWNLOAD_HANDLERS": HANDLERS, "TOR_SOCKS": f"127.0.0.1:{port}"},
                        onion_url="http://example.onion/")
    socks = next(c for c in checks if c.name == "tor-socks")
    assert not socks.ok and f"127.0.0.1:{port}" in socks.message and "SocksPort" in socks.fix
    assert [c.name for c in checks] == ["tor-handler", "tor-socks"]  # nothing attempted past it


def test_doctor_flags_missing_handler_and_missing_tor() -> None:
    checks = run_doctor({})
    assert [(c.name, c.ok) for c in checks] == [("tor-handler", False), ("tor-socks", False)]
    assert all(c.fix for c in checks)
