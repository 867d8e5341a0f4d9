"""Historical dump importers: old market data fed through the same ingest path as a crawl.

Each format is a class registered by name (``importers.base.register``); ``importers.run`` reads a
dump with it and hands the records to :class:`narcoscope.ingest.Ingestor`. Adding a format is one
module with one class, listed in ``BUILTIN`` below.
"""

from __future__ import annotations

import importlib

from importers.base import Importer, ImportFailed, Rejected, Row, get, names, register

BUILTIN = ("importers.agora",)

__all__ = ["BUILTIN", "ImportFailed", "Importer", "Rejected", "Row", "get", "load_builtin", "names", "register"]


def load_builtin() -> None:
    """Import the bundled importer modules so they register themselves."""
    for module in BUILTIN:
        importlib.import_module(module)
