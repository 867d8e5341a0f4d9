"""Positional constructors for frozen, slotted dataclasses that skip the generated ``__init__``.

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__`` (a global and an
attribute lookup per field); a listing makes a dozen such records (entities, amounts, prices), and
their construction was a visible share of the per-listing budget. Writing the slots through their
member descriptors builds the very same object (equal, same hash, same type) in half the time.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def maker(cls: type[T]) -> Callable[..., T]:
    """``make(*fields)`` for ``cls``: every field, positionally, in declaration order.

    Only for dataclasses with ``slots=True`` and no ``__post_init__`` (nothing would run it). A class
    compiled by mypyc (no ``__slots__``: its fields are native) is its own fast constructor.
    """
    if dataclasses.is_dataclass(cls) and "__slots__" not in cls.__dict__ and _compiled(cls):
        return cls
    if not dataclasses.is_dataclass(cls) or hasattr(cls, "__post_init__") or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__}: not a slotted dataclass without __post_init__")
    names = [f.name for f in dataclasses.fields(cls)]
    ns: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    lines = [f"def make({', '.join(names)}):", "    o = _new(_cls)"]
    for i, name in enumerate(names):
        ns[f"_set{i}"] = cls.__dict__[name].__set__
        lines.append(f"    _set{i}(o, {name})")
    lines.append("    return o")
    exec("\n".join(lines), ns)  # the same technique dataclasses use for __init__
    make: Callable[..., T] = ns["make"]
    make.__qualname__ = f"maker({cls.__name__})"
    return make


def _compiled(cls: type) -> bool:
    """Whether ``cls`` comes from a module mypyc compiled (an extension module, not a .py file)."""
    module = sys.modules.get(cls.__module__)
    return not str(getattr(module, "__file__", "") or "").endswith(".py")
