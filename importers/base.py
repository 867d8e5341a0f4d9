"""The importer extension point: a historical dump format is one class, registered by name.

An importer only *reads*: it turns the dump's bytes into records (``Listing``, ``Vendor``,
``Post``) with their observation time, or into :class:`Rejected` rows saying why a row could not
be read. Everything after that — record store, extraction, index, entities — is the one ingest
path every crawled record takes (``narcoscope.ingest.Ingestor``), run by ``importers.run``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Protocol

from narcoscope.records import Listing, Post, Vendor


class ImportFailed(Exception):
    """The dump as a whole cannot be imported (missing columns, no observation time …)."""


@dataclass(frozen=True, slots=True)
class Row:
    """One readable row of the dump: its records, when they were observed, and what was fixed."""

    line: int  # physical line where the row starts (1-based, header is line 1)
    records: tuple[Listing | Vendor | Post, ...]
    observed_at: datetime
    fixes: tuple[str, ...] = ()  # e.g. "reencoded", "mojibake", "fields_merged", "price_unparsed"


@dataclass(frozen=True, slots=True)
class Rejected:
    """A row that could not be read, kept with the reason (written to the rejects file, counted)."""

    line: int
    reason: str
    raw: str


@dataclass(slots=True)
class DumpInfo:
    """What the importer learnt about the file before reading rows (for progress and the report)."""

    rows_estimate: int
    columns: list[str] = field(default_factory=list)
    time_column: str | None = None
    encoding: str = "utf-8"


class Importer(Protocol):
    """A dump format. ``name`` is the ``--format`` value; ``source`` names the market in the store."""

    name: ClassVar[str]
    help: ClassVar[str]
    default_source: ClassVar[str]

    def inspect(self, data: bytes) -> DumpInfo:
        """Check the dump's layout and return what it found; raise :class:`ImportFailed` if unusable."""
        ...

    def rows(self, data: bytes, *, digest: str, file_name: str) -> Iterator[Row | Rejected]:
        """Every row of the dump, in file order."""
        ...


ImporterFactory = Callable[..., Importer]
REGISTRY: dict[str, ImporterFactory] = {}


def register(name: str) -> Callable[[ImporterFactory], ImporterFactory]:
    """Class decorator: make an importer available as ``narcoscope import --format NAME``."""

    def deco(cls: ImporterFactory) -> ImporterFactory:
        if name in REGISTRY and REGISTRY[name] is not cls:
            raise ValueError(f"importer {name!r} registered twice")
        REGISTRY[name] = cls
        return cls

    return deco


def get(name: str, *, source: str | None = None, observed_at: datetime | None = None) -> Importer:
    """An importer by name, configured for one run."""
    from importers import load_builtin

    load_builtin()
    if name not in REGISTRY:
        raise ImportFailed(f"unknown format {name!r}; known: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name](source=source, observed_at=observed_at)


def names() -> list[str]:
    from importers import load_builtin

    load_builtin()
    return sorted(REGISTRY)
