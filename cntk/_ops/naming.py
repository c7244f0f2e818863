"""Giving ops made by factories their public names (``equal.__name__ == 'equal'``), as CNTK's
hand-written functions have; pytest ids, reprs and tracebacks show them."""
from __future__ import annotations

from typing import Any, Dict


def name_generated_ops(namespace: Dict[str, Any], factory_name: str = "op") -> None:
    """Rename every function in ``namespace`` still called ``factory_name`` after the name it is bound to."""
    for public, fn in list(namespace.items()):
        if callable(fn) and getattr(fn, "__name__", None) == factory_name:
            fn.__name__ = fn.__qualname__ = public
