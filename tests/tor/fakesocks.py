"""A tiny SOCKS5 server on 127.0.0.1 that records every handshake (our own server, for tests).

It relays each CONNECT to one fixed local port (whatever name was asked for), so a crawl through it
really fetches pages; names listed in ``dead`` get Tor's "descriptor not found" reply (0xF0), and
``blackhole`` mode never answers the CONNECT, to exercise timeouts.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Handshake:
    method: int
    username: str | None
    password: str | None
    atyp: int
    host: str
    port: int


@dataclass
class FakeSocksState:
    target_port: int
    dead: set[str] = field(default_factory=set)
    blackhole: bool = False
    handshakes: list[Handshake] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _recv(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("client went away")
        data += chunk
    return data


class _Handler(socketserver.BaseRequestHandler):
    server: FakeSocksServer

    def handle(self) -> None:
        state, sock = self.server.state, self.request
        try:
            shake = self._handshake(sock)
        except ConnectionError:
            return
        with state.lock:
            state.handshakes.append(shake)
        if state.blackhole:
            sock.recv(1)  # hold the connection open, never reply
            return
        if shake.host in state.dead:
            sock.sendall(b"\x05\xf0\x00\x01\x00\x00\x00\x00\x00\x00")
            return
        upstream = socket.create_connection(("127.0.0.1", state.target_port))
        sock.sendall(b"\x05\x00\x00\x01\x7f\x00\x00\x01" + state.target_port.to_bytes(2, "big"))
        self._pipe(sock, upstream)

    def _handshake(self, sock: socket.socket) -> Handshake:
        _, nmethods = _recv(sock, 2)
        methods = _recv(sock, nmethods)
        method = 0x02 if 0x02 in methods else 0x00
        sock.sendall(bytes([5, method]))
        user = pw = None
        if method == 0x02:
            _, ulen = _recv(sock, 2)
            user = _recv(sock, ulen).decode()
            pw = _recv(sock, _recv(sock, 1)[0]).decode()
            sock.sendall(b"\x01\x00")
        _, _, _, atyp = _recv(sock, 4)
        if atyp == 0x03:
            host = _recv(sock, _recv(sock, 1)[0]).decode()
        else:
            host = socket.inet_ntop(socket.AF_INET if atyp == 1 else socket.AF_INET6,
                                    _recv(sock, 4 if atyp == 1 else 16))
        port = int.from_bytes(_recv(sock, 2), "big")
        return Handshake(method, user, pw, atyp, host, port)

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        def pump(src: socket.socket, dst: socket.socket) -> None:
            try:
                while data := src.recv(65536):
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    with contextlib.suppress(OSError):
                        s.shutdown(socket.SHUT_RDWR)

        t = threading.Thread(target=pump, args=(b, a), daemon=True)
        t.start()
        pump(a, b)
        t.join(timeout=5)
        b.close()


class FakeSocksServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, state: FakeSocksState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"

    def start(self) -> FakeSocksServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
