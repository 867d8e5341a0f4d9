"""Write evidence (page bodies, WARC records), and commit a page's row only once both are on disk.

Compressing a body and writing it to the page store and to the WARC file is mostly zlib and system
calls, which release the interpreter lock: with ``threaded=True`` (``NARCOSCOPE_EVIDENCE_THREAD``)
they run on a background thread, on another core if one is free, while the reactor goes on fetching
and parsing. (Measured on 2 cores shared with the demo sites: no faster than inline, so off by
default.) Either way the page's row in the record store names both files, so it is added only once
they are written: :meth:`EvidenceWriter.drain` waits for the thread and adds, in one statement, the
rows of the pages written so far. It runs just before each store commit (``before_commit``),
so a committed page row always points at evidence that exists, and a page whose write failed is
never committed: its request is not marked done either, the error is raised at every drain (the
crawl fails, loudly), and a resumed crawl fetches the page again.

Back-pressure: at most ``max_pending`` pages wait for the thread; beyond that, ``submit`` blocks
(bodies are capped by DOWNLOAD_MAXSIZE, so the queue holds at most ``max_pending`` of those). With
``threaded=False`` the same writes happen inline, in ``submit``.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import replace

from narcoscope.records import RawPage
from store import PageStore, RecordStore
from store.warc import WarcLog

log = logging.getLogger(__name__)


class EvidenceWriteError(RuntimeError):
    """Evidence could not be written: nothing after it is committed."""


class EvidenceWriter:
    def __init__(self, pages: PageStore, *, threaded: bool = False, max_pending: int = 32) -> None:
        self.pages = pages
        self.threaded = threaded
        self._jobs: queue.Queue[tuple[RawPage, bytes, WarcLog | None, list[tuple[str, str]]] | None] = \
            queue.Queue(max_pending)
        self._ready: list[RawPage] = []  # written, waiting for their row (main thread reads at drain)
        self._lock = threading.Lock()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def submit(self, page: RawPage, body: bytes, warc: WarcLog | None, headers: list[tuple[str, str]]) -> None:
        """Queue ``body`` (whose SHA-256 is ``page.digest``) and its WARC record; the row follows at drain."""
        self._raise_if_failed()
        if not self.threaded:
            self._write((page, body, warc, headers))
            self._raise_if_failed()
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="narcoscope-evidence", daemon=True)
            self._thread.start()
        self._jobs.put((page, body, warc, headers))

    def drain(self, store: RecordStore) -> int:
        """Wait for queued writes, add the rows of the pages written, raise if any write failed."""
        self._jobs.join()
        with self._lock:
            ready, self._ready = self._ready, []
        if ready:
            store.add_pages(ready)
        self._raise_if_failed()
        return len(ready)

    def close(self) -> None:
        """Stop the thread once its queue is empty (rows not drained by then are not committed)."""
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None

    @property
    def pending(self) -> int:
        return self._jobs.unfinished_tasks

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise EvidenceWriteError(f"evidence could not be written: {self._error}") from self._error

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                if job is None:
                    return
                self._write(job)
            finally:
                self._jobs.task_done()

    def _write(self, job: tuple[RawPage, bytes, WarcLog | None, list[tuple[str, str]]]) -> None:
        if self._error is not None:
            return  # failed: write nothing more, the crawl is going down
        page, body, warc, headers = job
        try:
            self.pages.put_known(body, page.digest)
            if warc is not None:
                ref = warc.write_response(page.url, page.status, "", headers, body, page.fetched_at,
                                          sha256=page.digest)
                page = replace(page, warc_path=ref.path, warc_offset=ref.offset)
        except Exception as exc:  # noqa: BLE001 (kept, and raised on the reactor side at every drain)
            self._error = exc
            log.error("could not write the evidence of %s: %s", page.url, exc)
            return
        with self._lock:
            self._ready.append(page)
