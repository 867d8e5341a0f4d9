"""Content-addressed storage of raw response bodies.

Bodies are stored once under their SHA-256 (of the uncompressed bytes), gzip-compressed, written
atomically (temporary file + rename), and never modified: the digest *is* the evidence.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from pathlib import Path


class DigestMismatch(Exception):
    """A stored body no longer matches its digest: the evidence was tampered with or corrupted."""


class PageStore:
    """A directory of gzip files named by SHA-256, fanned out by the first two bytes."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def digest(body: bytes) -> str:
        return hashlib.sha256(body).hexdigest()

    def path_for(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:4] / f"{digest}.gz"

    def put(self, body: bytes) -> str:
        """Store ``body`` (idempotent) and return its digest."""
        digest = self.digest(body)
        path = self.path_for(digest)
        if path.exists():
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                # Level 1: evidence is written on the crawl's hot path; space matters less than time.
                fh.write(gzip.compress(body, compresslevel=1, mtime=0))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, digest: str, *, verify: bool = False) -> bytes:
        body = gzip.decompress(self.path_for(digest).read_bytes())
        if verify and self.digest(body) != digest:
            raise DigestMismatch(f"stored body for {digest} has digest {self.digest(body)}")
        return body

    def __contains__(self, digest: object) -> bool:
        return isinstance(digest, str) and self.path_for(digest).exists()
