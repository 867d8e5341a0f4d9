"""Which pages are finished: fetched, stored, and every record they yielded ingested."""

from __future__ import annotations

from typing import Any


class PageCompletion:
    """Counts each page's records through the pipeline; a page is done when all are ingested."""

    def __init__(self) -> None:
        self.open_items: dict[str, int] = {}
        self.output_done: set[str] = set()
        self.item_page: dict[int, str] = {}
        self.completed: list[str] = []  # fingerprints to mark done at the next commit
        self.failed: list[str] = []  # fingerprints whose download failed after retries

    def started(self, fp: str) -> None:
        self.open_items.setdefault(fp, 0)

    def item(self, fp: str, item: Any) -> None:
        self.open_items[fp] = self.open_items.get(fp, 0) + 1
        self.item_page[id(item)] = fp

    def output_finished(self, fp: str) -> None:
        self.output_done.add(fp)
        self._maybe_done(fp)

    def item_ingested(self, item: Any) -> None:
        fp = self.item_page.pop(id(item), None)
        if fp is not None:
            self.open_items[fp] -= 1
            self._maybe_done(fp)

    def page_without_output(self, fp: str) -> None:
        self.completed.append(fp)

    def _maybe_done(self, fp: str) -> None:
        if fp in self.output_done and self.open_items.get(fp, 0) == 0:
            self.output_done.discard(fp)
            self.open_items.pop(fp, None)
            self.completed.append(fp)
