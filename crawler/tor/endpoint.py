"""A Twisted client endpoint that reaches ``host:port`` through a SOCKS5 proxy, by hostname.

The hostname goes to the proxy inside the CONNECT request (ATYP 0x03); this endpoint never calls a
resolver. After the handshake the application protocol (HTTP, or TLS wrapping HTTP) is given the
proxy connection's own transport, so keep-alive, producers and abort behave as on a direct socket.
"""

from __future__ import annotations

import contextlib
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectionDone
from twisted.internet.interfaces import (
    IAddress,
    IProtocol,
    IProtocolFactory,
    IStreamClientEndpoint,
)
from twisted.internet.protocol import Factory, Protocol, connectionDone
from twisted.python.failure import Failure
from zope.interface import implementer

from crawler.tor import socks5


class _Socks5ClientProtocol(Protocol):
    """Runs the SOCKS5 handshake, then hands the transport to the wrapped protocol."""

    def __init__(self, factory: _Socks5HandshakeFactory, addr: IAddress | None) -> None:
        self._factory = factory
        self._addr = addr
        self._buffer = b""
        self._state = "method"
        self._app: Any = None  # the wrapped IProtocol once the tunnel is open

    @property
    def _tx(self) -> Any:
        # Typed as Any: zope interfaces are opaque to mypy without the mypy-zope plugin.
        return self.transport

    def connectionMade(self) -> None:
        # Small request writes must not wait for ACKs (Nagle) on a link that already adds latency.
        with contextlib.suppress(AttributeError):
            self._tx.setTcpNoDelay(True)
        self._tx.write(socks5.greeting(self._factory.creds))

    def dataReceived(self, data: bytes) -> None:
        if self._app is not None:
            self._app.dataReceived(data)
            return
        self._buffer += data
        try:
            self._advance()
        except socks5.Socks5Error as exc:
            self._fail(Failure(exc))

    def _advance(self) -> None:
        f = self._factory
        if self._state == "method" and len(self._buffer) >= 2:
            socks5.check_method_reply(self._take(2), f.creds)
            if f.creds:
                self._tx.write(f.creds.encode())
                self._state = "auth"
            else:
                self._send_connect()
        if self._state == "auth" and len(self._buffer) >= 2:
            socks5.check_auth_reply(self._take(2))
            self._send_connect()
        if self._state == "connect":
            total = socks5.connect_reply_length(self._buffer[:5])
            if total is not None and len(self._buffer) >= total:
                socks5.check_connect_reply(self._take(total), f.host, f.port)
                self._start_app()

    def _take(self, size: int) -> bytes:
        head, self._buffer = self._buffer[:size], self._buffer[size:]
        return head

    def _send_connect(self) -> None:
        self._tx.write(socks5.connect_request(self._factory.host, self._factory.port))
        self._state = "connect"

    def _start_app(self) -> None:
        app: Any = self._factory.wrapped.buildProtocol(self._addr)
        if app is None:
            self._fail(Failure(socks5.Socks5Error("application factory refused the connection")))
            return
        self._app = app
        self._state = "open"
        app.makeConnection(self.transport)
        rest, self._buffer = self._buffer, b""
        d, self._factory.done = self._factory.done, None
        if d is not None:
            d.callback(app)
        if rest:
            app.dataReceived(rest)

    def _fail(self, reason: Failure) -> None:
        d, self._factory.done = self._factory.done, None
        if self._tx is not None:
            self._tx.abortConnection()
        if d is not None:
            d.errback(reason)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        if self._app is not None:
            self._app.connectionLost(reason)
            return
        why = "closed" if reason.check(ConnectionDone) else str(reason.value)
        msg = f"SOCKS5 proxy connection {why} before {self._factory.host}:{self._factory.port} was reached"
        self._fail(Failure(socks5.Socks5Error(msg)))


class _Socks5HandshakeFactory(Factory):
    noisy = False

    def __init__(self, wrapped: Any, host: str, port: int, creds: socks5.Credentials | None) -> None:
        self.wrapped = wrapped
        self.host = host
        self.port = port
        self.creds = creds
        self.done: Deferred[IProtocol] | None = Deferred(self._cancel)
        self._protocol: _Socks5ClientProtocol | None = None

    def buildProtocol(self, addr: IAddress | None) -> _Socks5ClientProtocol:
        self._protocol = _Socks5ClientProtocol(self, addr)
        return self._protocol

    def _cancel(self, _: Deferred[IProtocol]) -> None:
        self.done = None
        proto = self._protocol
        if proto is not None and proto.transport is not None:
            proto._tx.abortConnection()


@implementer(IStreamClientEndpoint)
class Socks5ClientEndpoint:
    """Connect to ``host:port`` via the SOCKS5 proxy reached by ``proxy_endpoint``."""

    def __init__(
        self,
        proxy_endpoint: Any,
        host: str,
        port: int,
        creds: socks5.Credentials | None = None,
    ) -> None:
        socks5.connect_request(host, port)  # validate early: a bad name fails before any I/O
        self._proxy = proxy_endpoint  # an IStreamClientEndpoint (Any: see _Socks5ClientProtocol._tx)
        self._host = host
        self._port = port
        self._creds = creds

    def connect(self, protocolFactory: IProtocolFactory) -> Deferred[IProtocol]:
        """Connect to the proxy, run the handshake; fires with the application protocol."""
        factory = _Socks5HandshakeFactory(protocolFactory, self._host, self._port, self._creds)
        done = factory.done
        assert done is not None

        def _connected(_: Any) -> Deferred[IProtocol]:
            return done

        proxied: Deferred[Any] = self._proxy.connect(factory)
        return proxied.addCallback(_connected)
