"""SOCKS5 wire format (RFC 1928 + RFC 1929), CONNECT by hostname only.

Only ATYP 0x03 (domain name) is ever sent: the proxy resolves the name, so a ``.onion`` (or any
host routed through Tor) is never looked up on the crawling machine. Kept free of I/O so the
Twisted endpoint (crawl) and the blocking client (doctor, testnet readiness) share one encoder.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

VERSION = 0x05
AUTH_VERSION = 0x01
METHOD_NONE = 0x00
METHOD_USERPASS = 0x02
METHOD_UNACCEPTABLE = 0xFF
CMD_CONNECT = 0x01
ATYP_IPV4 = 0x01
ATYP_DOMAIN = 0x03
ATYP_IPV6 = 0x04

#: RFC 1928 reply codes, plus Tor's extended ones (SocksPort flag ``ExtendedErrors``).
REPLY_MESSAGES: dict[int, str] = {
    0x01: "general SOCKS server failure",
    0x02: "connection not allowed by ruleset (exit policy)",
    0x03: "network unreachable",
    0x04: "host unreachable",
    0x05: "connection refused",
    0x06: "TTL expired (timed out)",
    0x07: "command not supported",
    0x08: "address type not supported",
    0xF0: "onion service descriptor not found",
    0xF1: "onion service descriptor is invalid",
    0xF2: "onion service introduction failed",
    0xF3: "onion service rendezvous failed",
    0xF4: "onion service needs client authorization",
    0xF5: "onion service client authorization is wrong",
    0xF6: "onion address is invalid",
    0xF7: "onion service introduction timed out",
}


class Socks5Error(ConnectionError):
    """The SOCKS server refused or broke the handshake; ``reply`` is its code (-1: protocol)."""

    def __init__(self, message: str, reply: int = -1) -> None:
        super().__init__(message)
        self.reply = reply


@dataclass(frozen=True, slots=True)
class Credentials:
    """RFC 1929 username/password; with Tor's ``IsolateSOCKSAuth`` each pair gets its own circuit."""

    username: str
    password: str

    def encode(self) -> bytes:
        user, pw = self.username.encode("utf-8"), self.password.encode("utf-8")
        if not 0 < len(user) < 256 or not 0 < len(pw) < 256:
            raise ValueError("SOCKS5 username and password must be 1..255 bytes")
        return bytes([AUTH_VERSION, len(user)]) + user + bytes([len(pw)]) + pw


def greeting(creds: Credentials | None) -> bytes:
    """The method-selection message: offer only the one method we intend to use."""
    return bytes([VERSION, 1, METHOD_USERPASS if creds else METHOD_NONE])


def connect_request(host: str, port: int) -> bytes:
    """CONNECT with the hostname itself (ATYP 0x03): resolution happens at the proxy."""
    name = host.encode("idna") if not host.isascii() else host.encode("ascii")
    if not 0 < len(name) < 256:
        raise ValueError(f"hostname too long for SOCKS5: {host!r}")
    return bytes([VERSION, CMD_CONNECT, 0x00, ATYP_DOMAIN, len(name)]) + name + struct.pack("!H", port)


def check_method_reply(data: bytes, creds: Credentials | None) -> int:
    """Validate the 2-byte method reply and return the chosen method."""
    if len(data) != 2 or data[0] != VERSION:
        raise Socks5Error(f"not a SOCKS5 server (reply {data!r})")
    wanted = METHOD_USERPASS if creds else METHOD_NONE
    if data[1] != wanted:
        raise Socks5Error(f"SOCKS5 server refused authentication method {wanted:#04x}")
    return data[1]


def check_auth_reply(data: bytes) -> None:
    """Validate the 2-byte RFC 1929 status."""
    if len(data) != 2 or data[1] != 0x00:
        raise Socks5Error(f"SOCKS5 username/password rejected (reply {data!r})")


def connect_reply_length(head: bytes) -> int | None:
    """Total length of a CONNECT reply given its first 5 bytes, or None if more are needed."""
    if len(head) < 5:
        return None
    if head[0] != VERSION:
        raise Socks5Error(f"bad SOCKS5 reply version {head[0]:#04x}")
    atyp = head[3]
    if atyp == ATYP_IPV4:
        return 4 + 4 + 2
    if atyp == ATYP_IPV6:
        return 4 + 16 + 2
    if atyp == ATYP_DOMAIN:
        return 4 + 1 + head[4] + 2
    raise Socks5Error(f"bad SOCKS5 reply address type {atyp:#04x}")


def check_connect_reply(reply: bytes, host: str, port: int) -> None:
    """Raise a Socks5Error naming the target when the proxy did not connect."""
    code = reply[1]
    if code != 0x00:
        why = REPLY_MESSAGES.get(code, f"unknown error {code:#04x}")
        raise Socks5Error(f"SOCKS5 proxy could not reach {host}:{port}: {why}", reply=code)


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    buf = b""
    while len(buf) < size:
        chunk = sock.recv(size - len(buf))
        if not chunk:
            raise Socks5Error("SOCKS5 server closed the connection during the handshake")
        buf += chunk
    return buf


def open_stream(
    proxy: tuple[str, int],
    host: str,
    port: int,
    *,
    creds: Credentials | None = None,
    timeout: float = 30.0,
) -> socket.socket:
    """Blocking SOCKS5 CONNECT by hostname; returns the connected socket (caller closes it).

    Used by the doctor and by the test network's readiness probe, where a reactor is not running.
    """
    sock = socket.create_connection(proxy, timeout=timeout)
    try:
        sock.sendall(greeting(creds))
        check_method_reply(_recv_exact(sock, 2), creds)
        if creds:
            sock.sendall(creds.encode())
            check_auth_reply(_recv_exact(sock, 2))
        sock.sendall(connect_request(host, port))
        head = _recv_exact(sock, 5)
        total = connect_reply_length(head)
        assert total is not None
        reply = head + _recv_exact(sock, total - 5)
        check_connect_reply(reply, host, port)
    except BaseException:
        sock.close()
        raise
    return sock


def http_get(
    proxy: tuple[str, int],
    url_host: str,
    port: int = 80,
    path: str = "/",
    *,
    creds: Credentials | None = None,
    timeout: float = 30.0,
) -> tuple[int, bytes]:
    """A minimal HTTP/1.0 GET through SOCKS5 (hostname sent to the proxy): (status, body)."""
    sock = open_stream(proxy, url_host, port, creds=creds, timeout=timeout)
    with sock:
        sock.sendall(f"GET {path} HTTP/1.0\r\nHost: {url_host}\r\n\r\n".encode("ascii"))
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2 or not status_line[1].isdigit():
        raise Socks5Error(f"no HTTP response from {url_host}:{port} through the proxy")
    return int(status_line[1]), body
