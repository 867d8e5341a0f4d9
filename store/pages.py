"""Content-addressed storage of raw response bodies.

Bodies are stored once under their SHA-256 (of the uncompressed bytes), gzip-compressed, written
atomically (temporary file + rename), and never modified: the digest *is* the evidence.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import os
import tempfile
import zlib
from pathlib import Path

_TMP_SEQ = itertools.count()


def compress(body: bytes) -> bytes:
    """One gzip member (RFC 1952, mtime 0), what ``gzip.decompress`` reads.

    Level 1: evidence is written on the crawl's hot path; space matters less than time. A smaller
    hash table (memLevel 5) halves the set-up cost that dominates compressing a few-KB page.
    """
    gz = zlib.compressobj(1, zlib.DEFLATED, 31, 5)
    return gz.compress(body) + gz.flush()


class DigestMismatch(Exception):
    """A stored body no longer matches its digest: the evidence was tampered with or corrupted."""


class PageStore:
    """A directory of gzip files named by SHA-256, fanned out by the first two bytes."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._root = str(self.root)

    @staticmethod
    def digest(body: bytes) -> str:
        return hashlib.sha256(body).hexdigest()

    def path_for(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:4] / f"{digest}.gz"

    def put(self, body: bytes) -> str:
        """Store ``body`` (idempotent) and return its digest."""
        digest = self.digest(body)
        self.put_known(body, digest)
        return digest

    def put_known(self, body: bytes, digest: str) -> None:
        """``put`` for a caller that has just computed ``digest = PageStore.digest(body)``."""
        directory = os.path.join(self._root, digest[:2], digest[2:4])
        path = os.path.join(directory, f"{digest}.gz")
        if os.path.exists(path):
            return
        data = compress(body)
        # On the crawl's hot path: a plain O_EXCL temporary name instead of mkstemp, and the fan-out
        # directories created only when the first open says they are missing.
        tmp = os.path.join(directory, f".tmp-{os.getpid()}-{next(_TMP_SEQ)}")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(tmp, flags, 0o600)
        except FileNotFoundError:
            os.makedirs(directory, exist_ok=True)
            fd = os.open(tmp, flags, 0o600)
        except FileExistsError:  # left by a killed process that had the same pid
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, digest: str, *, verify: bool = False) -> bytes:
        body = gzip.decompress(self.path_for(digest).read_bytes())
        if verify and self.digest(body) != digest:
            raise DigestMismatch(f"stored body for {digest} has digest {self.digest(body)}")
        return body

    def __contains__(self, digest: object) -> bool:
        return isinstance(digest, str) and self.path_for(digest).exists()
