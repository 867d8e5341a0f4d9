"""WARC (ISO 28500) evidence files: every fetched response, as captured, with its capture time.

One gzip-compressed WARC file per crawl. Each response record is its own gzip member, so a record
can be read back from its byte offset alone (``read_record``) — that offset is kept with the
page's metadata, and ``narcoscope evidence`` re-reads and verifies it.
"""

from __future__ import annotations

import base64
import hashlib
import io
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders

from store.pages import compress

SHA256_HEADER = "WARC-Narcoscope-SHA256"  # the page store's digest of the same payload


@dataclass(frozen=True, slots=True)
class WarcRef:
    path: str
    offset: int


class WarcLog:
    """Append-only WARC file for one crawl; opened lazily, each record written through at once.

    Records are serialised here rather than by warcio's writer: on the crawl's hot path warcio cost
    more than fetching a page (per-record header objects, digests over a stream, gzip level 9). The
    bytes are the same standard records (WARC/1.0 ``response``, SHA-1 block and payload digests, one
    gzip member each, level 1) that warcio and any WARC tool read back; ``read_record`` uses warcio.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: BinaryIO | None = None
        self._pos = 0

    def write_response(self, url: str, status: int, reason: str, headers: list[tuple[str, str]],
                       body: bytes, captured: datetime, sha256: str | None = None) -> WarcRef:
        """Append one response record; ``sha256`` is the body's hex digest when the caller has it."""
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("ab", buffering=0)
            self._pos = self._fh.seek(0, io.SEEK_END)
        http = _http_block(status, reason, headers)
        payload_digest = _sha1(body)
        block = hashlib.sha1(http)
        block.update(body)
        warc_headers = (
            "WARC/1.0\r\n"
            "WARC-Type: response\r\n"
            f"WARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\n"
            f"WARC-Date: {captured.strftime('%Y-%m-%dT%H:%M:%SZ')}\r\n"
            f"WARC-Target-URI: {url}\r\n"
            f"WARC-Payload-Digest: {payload_digest}\r\n"
            f"WARC-Block-Digest: sha1:{base64.b32encode(block.digest()).decode('ascii')}\r\n"
            f"{SHA256_HEADER}: {sha256 or hashlib.sha256(body).hexdigest()}\r\n"
            "Content-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(http) + len(body)}\r\n"
            "\r\n"
        ).encode()
        member = compress(b"".join((warc_headers, http, body, b"\r\n\r\n")))  # one gzip member per record
        offset = self._pos
        view = memoryview(member)
        while view:  # an unbuffered write may be partial
            view = view[self._fh.write(view) or 0:]
        self._pos += len(member)
        return WarcRef(str(self.path), offset)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _http_block(status: int, reason: str, headers: list[tuple[str, str]]) -> bytes:
    """Status line and headers as warcio writes them (non-ASCII values percent-encoded, RFC 8187)."""
    sh = StatusAndHeaders(f"{status} {reason or 'OK'}", headers, protocol="HTTP/1.1")
    try:
        return sh.to_ascii_bytes()
    except UnicodeError:  # a non-ASCII header *name*: keep the bytes as received (headers are latin-1)
        return sh.to_bytes(encoding="latin-1")


def _sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


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
