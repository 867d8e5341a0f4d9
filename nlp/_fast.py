"""Positional constructors for frozen, slotted dataclasses that skip the generated ``__init__``.

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__`` (a global and an
attribute lookup per field); a listing makes a dozen such records (entities, amounts, prices), and
their construction was a visible share of the per-listing budget. Writing the slots through their
member descriptors builds the very same object (equal, same hash, same type) in half the time.

In the modules mypyc compiles (pyproject.toml ``[tool.narcoscope.compiled]``) the per-record classes
(``Found``, ``Amount``, ``Price``, ``Headline``, ``Place``, ``Conversion``) write their ``__init__`` out:
mypyc compiles it (~0.3 us an object), while the one ``@dataclass`` generates runs interpreted even
in a compiled module (~2.5 us). They are not frozen for that reason (such an ``__init__`` could not
set the fields of a frozen class when the module runs interpreted; ``unsafe_hash`` keeps them
hashable, and nothing mutates them), and those that are pickled (the extraction memo) say how to
rebuild them with ``__reduce__``: a mypyc class cannot be pickled slot by slot. Compiled, such a
class is its own fast constructor, and :func:`maker` returns it.
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
