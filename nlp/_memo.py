"""The one bounded memo the extractor's caches share.

Markets repeat their phrases, places and prices, so the hot paths memoise small results keyed by
text; a crawler runs for weeks, so every such memo must stay bounded. Emptying the dict when full
(instead of LRU bookkeeping on every hit) keeps a hit a plain ``dict.get``: the repeated phrases
are back in the memo within a few records.
"""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedMemo(dict[K, V]):
    """A dict that empties itself when a new entry would take it past ``limit`` entries."""

    __slots__ = ("limit",)

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def put(self, key: K, value: V) -> V:
        """Store ``value`` under ``key`` (emptying the memo first when full) and return it."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value
