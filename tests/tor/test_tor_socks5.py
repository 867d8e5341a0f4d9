"""SOCKS5 wire format and the Twisted endpoint's handshake, fed byte by byte (no network)."""

from __future__ import annotations

from typing import Any

import pytest
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.testing import StringTransport

from crawler.tor import socks5
from crawler.tor.endpoint import _Socks5HandshakeFactory

CREDS = socks5.Credentials("narcoscope:market-a", "token")


def test_connect_request_sends_the_hostname_not_an_address() -> None:
    msg = socks5.connect_request("abc.onion", 80)
    assert msg == b"\x05\x01\x00\x03\x09abc.onion\x00\x50"
    with pytest.raises(ValueError):
        socks5.connect_request("a" * 256, 80)


def test_reply_parsing() -> None:
    assert socks5.connect_reply_length(b"\x05\x00\x00\x01\x7f") == 10
    assert socks5.connect_reply_length(b"\x05\x00\x00\x04\x00") == 22
    assert socks5.connect_reply_length(b"\x05\x00\x00\x03\x05") == 12
    assert socks5.connect_reply_length(b"\x05\x00") is None
    with pytest.raises(socks5.Socks5Error) as err:
        socks5.check_connect_reply(b"\x05\xf0\x00\x01" + bytes(6), "x.onion", 80)
    assert err.value.reply == 0xF0 and "descriptor not found" in str(err.value)
    with pytest.raises(socks5.Socks5Error, match="refused authentication"):
        socks5.check_method_reply(b"\x05\xff", CREDS)


class Recorder(Protocol):
    def __init__(self) -> None:
        self.data = b""
        self.made = False

    def connectionMade(self) -> None:
        self.made = True

    def dataReceived(self, data: bytes) -> None:
        self.data += data


def _handshake(creds: socks5.Credentials | None) -> tuple[Any, Any, StringTransport, Recorder]:
    app = Recorder()
    factory = _Socks5HandshakeFactory(Factory.forProtocol(lambda: app), "abc.onion", 80, creds)
    proto = factory.buildProtocol(None)
    transport = StringTransport()
    proto.makeConnection(transport)
    return factory, proto, transport, app


def test_handshake_byte_by_byte_then_hands_over() -> None:
    factory, proto, transport, app = _handshake(CREDS)
    done = factory.done
    results: list[Any] = []
    done.addBoth(results.append)
    assert transport.value() == b"\x05\x01\x02"
    transport.clear()
    for byte in b"\x05\x02":
        proto.dataReceived(bytes([byte]))
    assert transport.value() == CREDS.encode()
    transport.clear()
    proto.dataReceived(b"\x01\x00")
    assert transport.value() == socks5.connect_request("abc.onion", 80)
    reply = b"\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x50" + b"HTTP/1.1 200 OK\r\n"
    for byte in reply:
        proto.dataReceived(bytes([byte]))
    assert results == [app] and app.made
    assert app.data == b"HTTP/1.1 200 OK\r\n"  # bytes after the reply belong to the application


def test_refused_connect_fails_the_deferred_and_aborts() -> None:
    factory, proto, transport, app = _handshake(None)
    failures: list[Any] = []
    factory.done.addErrback(failures.append)
    proto.dataReceived(b"\x05\x00" + b"\x05\x04\x00\x01" + bytes(6))
    assert transport.disconnecting or transport.disconnected
    assert failures and failures[0].value.reply == 0x04 and not app.made
