"""Helpers shared by several test areas (not fixtures: those live in each area's conftest)."""

from __future__ import annotations

import socket


def free_port_block(n: int = 6, start: int = 23400, step: int = 97) -> int:
    """The first port of ``n`` consecutive free ports on 127.0.0.1 (the demo sites need six)."""
    for base in range(start, 60000 - n, step):
        socks: list[socket.socket] = []
        try:
            for i in range(n):
                s = socket.socket()
                s.bind(("127.0.0.1", base + i))
                socks.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no block of free ports on 127.0.0.1")
