"""WARC (ISO 28500) evidence files: every fetched response, as captured, with its capture time.

One gzip-compressed WARC file per crawl. Each response record is its own gzip member, so a record
can be read back from its byte offset alone (``read_record``) — that offset is kept with the
page's metadata, and ``narcoscope evidence`` re-reads and verifies it.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

SHA256_HEADER = "WARC-Narcoscope-SHA256"  # the page store's digest of the same payload


@dataclass(frozen=True, slots=True)
class WarcRef:
    path: str
    offset: int


class WarcLog:
    """Append-only WARC file for one crawl; opened lazily, flushed after every record."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: BinaryIO | None = None
        self._writer: WARCWriter | None = None

    def write_response(self, url: str, status: int, reason: str, headers: list[tuple[str, str]],
                       body: bytes, captured: datetime) -> WarcRef:
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("ab")
            self._writer = WARCWriter(self._fh, gzip=True)
        assert self._writer is not None
        http = StatusAndHeaders(f"{status} {reason or 'OK'}", headers, protocol="HTTP/1.1")
        record = self._writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http,
            warc_headers_dict={
                "WARC-Date": captured.strftime("%Y-%m-%dT%H:%M:%SZ"),
                SHA256_HEADER: hashlib.sha256(body).hexdigest(),
            },
        )
        offset = self._fh.tell()
        self._writer.write_record(record)
        self._fh.flush()
        return WarcRef(str(self.path), offset)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


@dataclass(frozen=True, slots=True)
class WarcRecord:
    uri: str
    date: str
    payload_digest: str
    sha256_header: str
    body: bytes

    @property
    def verified(self) -> bool:
        """The payload read back hashes to the digest recorded at capture."""
        return hashlib.sha256(self.body).hexdigest() == self.sha256_header


def read_record(path: str | Path, offset: int) -> WarcRecord:
    with Path(path).open("rb") as fh:
        fh.seek(offset)
        for rec in ArchiveIterator(fh):
            h = rec.rec_headers
            return WarcRecord(
                uri=h.get_header("WARC-Target-URI") or "", date=h.get_header("WARC-Date") or "",
                payload_digest=h.get_header("WARC-Payload-Digest") or "",
                sha256_header=h.get_header(SHA256_HEADER) or "", body=rec.content_stream().read(),
            )
    raise ValueError(f"no WARC record at {path}:{offset}")
