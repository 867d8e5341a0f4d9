"""A minimal blocking Tor control-port client (control-spec): enough for the doctor and tests.

Only PROTOCOLINFO, AUTHENTICATE (none, password, cookie), GETINFO and SETEVENTS with line
reading; no SAFECOOKIE, no state tracking. A full controller (stem, txtorcon) is not worth a
dependency for these few commands.
"""

from __future__ import annotations

import contextlib
import re
import socket
from pathlib import Path
from types import TracebackType
from typing import Self


class ControlError(RuntimeError):
    """Tor answered a control command with an error status."""


class TorControl:
    """One control connection. Use as a context manager."""

    def __init__(self, address: tuple[str, int], *, timeout: float = 10.0) -> None:
        self._sock = socket.create_connection(address, timeout=timeout)
        self._file = self._sock.makefile("rb")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def shutdown(self) -> None:
        """End the connection from another thread: a blocked ``readline`` then raises."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._file.close()
        self._sock.close()

    def readline(self) -> str:
        """One reply line without CRLF; raises ConnectionError if Tor closed the connection."""
        raw = self._file.readline()
        if not raw:
            raise ConnectionError("Tor closed the control connection")
        return raw.decode("utf-8", "replace").rstrip("\r\n")

    def command(self, line: str) -> list[str]:
        """Send one command; return its reply lines (events arriving meanwhile are skipped)."""
        self._sock.sendall(line.encode("utf-8") + b"\r\n")
        lines: list[str] = []
        while True:
            reply = self.readline()
            if reply.startswith("650"):
                continue  # asynchronous event, not part of this reply
            if reply[3:4] == "+":  # data reply: read until a lone "."
                lines.append(reply[4:])
                while (data := self.readline()) != ".":
                    lines.append(data)
                continue
            lines.append(reply[4:])
            if reply[3:4] == " ":
                if not reply.startswith("250"):
                    raise ControlError(reply)
                return lines

    def authenticate(self, password: str = "") -> None:
        """AUTHENTICATE with a HashedControlPassword secret, else the cookie file, else none.

        Cookie auth is what Debian's tor uses (``CookieAuthentication 1``): PROTOCOLINFO names the
        file; we need read access to it (e.g. membership of the ``debian-tor`` group).
        """
        if password:
            quoted = password.replace("\\", "\\\\").replace('"', '\\"')
            self.command(f'AUTHENTICATE "{quoted}"')
            return
        info = " ".join(self.command("PROTOCOLINFO 1"))
        methods = re.search(r"METHODS=(\S+)", info)
        cookie = re.search(r'COOKIEFILE="((?:[^"\\]|\\.)*)"', info)
        if methods and "COOKIE" in methods.group(1).split(",") and cookie:
            try:
                secret = Path(cookie.group(1)).read_bytes()
            except OSError as exc:
                raise ControlError(f"cannot read Tor's control cookie {cookie.group(1)}: {exc}") from exc
            self.command(f"AUTHENTICATE {secret.hex()}")
            return
        self.command("AUTHENTICATE")

    def getinfo(self, key: str) -> str:
        """The value of one GETINFO key (multi-line values joined with newlines)."""
        lines = self.command(f"GETINFO {key}")
        first = lines[0]
        prefix = f"{key}="
        values = [first.removeprefix(prefix)] + [line for line in lines[1:] if line != "OK"]
        return "\n".join(v for v in values if v)
