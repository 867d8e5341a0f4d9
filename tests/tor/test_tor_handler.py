"""TorDownloadHandler against our own recording SOCKS5 server on 127.0.0.1 (fast, no tor needed).

Each crawl runs in a fresh process (crawl_harness.py) whose audit hook records resolver calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fakesocks import FakeSocksServer, FakeSocksState
from torcrawl import HANDLERS, SITE_PAGES

from crawler.tor.errors import TorSettingsError
from crawler.tor.routing import Router, is_onion, isolation_username
from crawler.tor.settings import TorSettings
from crawler.tor.testsite import LinkedSite

Crawl = Callable[..., dict[str, Any]]
ONION_A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.onion"
ONION_B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.onion"


@pytest.fixture
def site() -> Iterator[LinkedSite]:
    s = LinkedSite(pages=SITE_PAGES).start()
    yield s
    s.stop()


@pytest.fixture
def fake_tor(site: LinkedSite) -> Iterator[FakeSocksServer]:
    server = FakeSocksServer(FakeSocksState(target_port=site.port)).start()
    yield server
    server.stop()


def tor_settings(fake_tor: FakeSocksServer, **extra: Any) -> dict[str, Any]:
    return {"DOWNLOAD_HANDLERS": HANDLERS, "TOR_SOCKS": fake_tor.address, **extra}


def test_each_source_gets_its_own_socks_username(fake_tor: FakeSocksServer, crawl: Crawl) -> None:
    result = crawl({
        "requests": [[f"http://{ONION_A}/", "market-a"], [f"http://{ONION_B}/", "forum-b"]],
        "settings": tor_settings(fake_tor),
    })
    assert len(result["fetched"]) == 2 * SITE_PAGES, result["failed"]
    shakes = fake_tor.state.handshakes
    by_host = {h.host: {(s.username, s.password) for s in shakes if s.host == h.host} for h in shakes}
    assert by_host[ONION_A] == {("narcoscope:market-a", shakes[0].password)}
    assert by_host[ONION_B] == {("narcoscope:forum-b", shakes[0].password)}
    assert all(s.method == 0x02 and s.atyp == 0x03 and s.port == 80 for s in shakes)  # name sent, not IP
    assert not [n for n in result["resolved"] if is_onion(n)]


def test_password_is_fresh_per_crawl(fake_tor: FakeSocksServer, crawl: Crawl) -> None:
    for _ in range(2):
        crawl({"requests": [[f"http://{ONION_A}/page/11", "market-a"]], "settings": tor_settings(fake_tor)})
    passwords = [s.password for s in fake_tor.state.handshakes]
    assert len(passwords) == 2 and passwords[0] != passwords[1]


def test_isolation_off_sends_no_credentials(fake_tor: FakeSocksServer, crawl: Crawl) -> None:
    result = crawl({"requests": [[f"http://{ONION_A}/page/11", "market-a"]],
                    "settings": tor_settings(fake_tor, TOR_ISOLATE=False)})
    assert len(result["fetched"]) == 1
    assert [(s.method, s.username) for s in fake_tor.state.handshakes] == [(0x00, None)]


def test_clearnet_goes_direct_unless_all_traffic(
    fake_tor: FakeSocksServer, site: LinkedSite, crawl: Crawl
) -> None:
    url = f"http://127.0.0.1:{site.port}/page/11"
    direct = crawl({"requests": [[url, None]], "settings": tor_settings(fake_tor)})
    assert len(direct["fetched"]) == 1 and fake_tor.state.handshakes == []
    assert direct["stats"].get("tor/request_count", 0) == 0
    via_tor = crawl({"requests": [[url, None]], "settings": tor_settings(fake_tor, TOR_ALL_TRAFFIC=True)})
    assert len(via_tor["fetched"]) == 1
    [shake] = fake_tor.state.handshakes
    assert (shake.host, shake.username) == ("127.0.0.1", "narcoscope:127.0.0.1")


def test_scrapy_features_survive_the_tunnel(fake_tor: FakeSocksServer, crawl: Crawl) -> None:
    """Redirects, response headers and DOWNLOAD_MAXSIZE behave as on a direct connection."""
    result = crawl({
        "requests": [[f"http://{ONION_A}/redirect", "market-a"]],
        "settings": tor_settings(fake_tor, DOWNLOAD_MAXSIZE=0),
    })
    first = result["fetched"][0]
    assert first["url"] == f"http://{ONION_A}/page/1"  # 302 followed, through Tor
    assert first["server"].startswith("BaseHTTP")
    assert result["stats"]["downloader/response_status_count/302"] == 1
    small = crawl({
        "requests": [[f"http://{ONION_A}/page/11", "market-a"]],
        "settings": tor_settings(fake_tor, DOWNLOAD_MAXSIZE=1000),
    })
    assert small["fetched"] == []
    assert small["failed"][0]["error"] == "DownloadCancelledError"


def test_download_timeout_applies_to_the_socks_handshake(fake_tor: FakeSocksServer, crawl: Crawl) -> None:
    fake_tor.state.blackhole = True
    result = crawl({
        "requests": [[f"http://{ONION_A}/", "market-a"]],
        "settings": tor_settings(fake_tor, DOWNLOAD_TIMEOUT=2),
    })
    assert result["fetched"] == []
    assert result["failed"][0]["error"] == "DownloadTimeoutError"
    assert result["elapsed"] < 20


def test_dead_onion_fails_with_tor_reason_and_other_source_continues(
    fake_tor: FakeSocksServer, crawl: Crawl
) -> None:
    fake_tor.state.dead.add(ONION_B)
    result = crawl({
        "requests": [[f"http://{ONION_B}/", "dead-market"], [f"http://{ONION_A}/", "market-a"]],
        "settings": tor_settings(fake_tor),
    })
    assert {p["url"] for p in result["fetched"]} == {f"http://{ONION_A}/"} | {
        f"http://{ONION_A}/page/{n}" for n in range(1, SITE_PAGES)
    }
    [failure] = result["failed"]
    assert failure["error"] == "Socks5Error"
    assert "descriptor not found" in failure["message"]


def test_onion_without_tor_stops_the_crawl_and_fetches_nothing(site: LinkedSite, crawl: Crawl) -> None:
    result = crawl({
        "requests": [[f"http://{ONION_A}/", "market-a"], [f"http://{ONION_A}/page/2", "market-a"]],
        "settings": {"DOWNLOAD_HANDLERS": HANDLERS, "TOR_SOCKS": ""},
    })
    assert result["close_reason"] == "tor_not_configured"
    assert result["fetched"] == []
    assert result["stats"].get("downloader/response_count", 0) == 0
    assert result["failed"][0]["error"] == "TorNotConfiguredError"
    assert "TOR_SOCKS is not set" in result["failed"][0]["message"]
    assert "TOR_SOCKS is not set" in result["log"]
    assert not [n for n in result["resolved"] if is_onion(n)]
    assert site.hits == []


def test_scrapy_default_handler_would_resolve_the_onion(crawl: Crawl) -> None:
    """Control for the detector: without our handler the onion name reaches the local resolver."""
    result = crawl({
        "requests": [[f"http://{ONION_A}/", None]],
        "settings": {"DOWNLOAD_TIMEOUT": 15},
    })
    assert result["fetched"] == []
    assert ONION_A in result["resolved"]


# -- routing and settings, called directly ------------------------------------------------------


def test_settings_validation() -> None:
    assert TorSettings.from_mapping({}).socks is None
    parsed = TorSettings.from_mapping({"TOR_SOCKS": "9050", "TOR_ISOLATE": "false", "TOR_CONTROL": "127.0.0.1:9051"})
    assert parsed.socks == ("127.0.0.1", 9050) and parsed.control == ("127.0.0.1", 9051) and not parsed.isolate
    with pytest.raises(TorSettingsError, match="TOR_SOCKS"):
        TorSettings.from_mapping({"TOR_SOCKS": "localhost"})
    with pytest.raises(TorSettingsError, match="TOR_ALL_TRAFFIC"):
        TorSettings.from_mapping({"TOR_ALL_TRAFFIC": True})


def test_router_decisions() -> None:
    from scrapy import Request

    router = Router(TorSettings.from_mapping({"TOR_SOCKS": "127.0.0.1:9050"}), session_secret="s")
    assert router.route(Request("https://example.org/")) is None
    onion = router.route(Request(f"http://{ONION_A.upper()}./x"))
    assert onion is not None and onion.creds is not None
    assert onion.creds.username == f"narcoscope:{ONION_A}"
    tagged = router.route(Request("https://example.org/", meta={"tor_source": "forum-x"}))
    assert tagged is not None and tagged.creds is not None and tagged.creds.username == "narcoscope:forum-x"
    assert len(isolation_username("x" * 400).encode()) <= 255


def _self_signed(tmp_path: Any) -> tuple[str, str]:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ONION_A)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def test_https_onion_goes_tls_inside_the_tunnel(tmp_path: Any, crawl: Crawl) -> None:
    import ssl

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*_self_signed(tmp_path))
    tls_site = LinkedSite(pages=3)
    tls_site.socket = ctx.wrap_socket(tls_site.socket, server_side=True)
    tls_site.start()
    server = FakeSocksServer(FakeSocksState(target_port=tls_site.port)).start()
    try:
        result = crawl({"requests": [[f"https://{ONION_A}/", "market-a"]],
                        "settings": {"DOWNLOAD_HANDLERS": HANDLERS, "TOR_SOCKS": server.address}})
    finally:
        server.stop()
        tls_site.stop()
    assert {p["url"] for p in result["fetched"]} == {f"https://{ONION_A}/", f"https://{ONION_A}/page/1",
                                                     f"https://{ONION_A}/page/2"}, result["failed"]
    assert {(s.host, s.port) for s in server.state.handshakes} == {(ONION_A, 443)}
