"""The one check the config's word and code lists need: PyYAML reads YAML 1.1, where an unquoted
``NO``, ``no``, ``ON``, ``on``, ``yes`` or ``off`` is a boolean. Norway's code was once the key
False, and the word "on" became "true": a list that must hold strings says so instead."""

from __future__ import annotations

from collections.abc import Iterable


def require_strings(values: Iterable[object], where: str) -> None:
    """Raise ``ValueError`` naming the values of ``values`` that are not strings."""
    bad = [v for v in values if not isinstance(v, str)]
    if bad:
        raise ValueError(f"{where} has {bad!r}, which are not strings; quote codes and words such as \"NO\" or \"on\"")
