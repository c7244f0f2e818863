"""`default_options`: scoped overrides of the defaults that layer factories and ops declare.

A factory declares an overridable argument by giving it the default
``default_override_or(value)``; inside the factory, ``get_default_override(factory, arg=arg)``
returns the explicit argument if the caller gave one, else the innermost active override
(scoped to that factory or global), else ``value``.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Any, Callable, Iterator, Optional

_state = threading.local()
_global_options: dict = {}


class _DefaultOverride:
    """Marks an argument whose default may be overridden by `default_options`."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "default_override_or(%r)" % (self.value,)


def default_override_or(value: Any) -> _DefaultOverride:
    """Declare ``value`` as the default of an argument that `default_options` may override."""
    return _DefaultOverride(value)


def is_default_override(value: Any) -> bool:
    """True if ``value`` is a declared default (the caller did not pass the argument)."""
    return isinstance(value, _DefaultOverride)


def _stack() -> list:
    if not hasattr(_state, "stack"):
        _state.stack = []
    return _state.stack


@contextlib.contextmanager
def _push(scope: Optional[frozenset], options: dict) -> Iterator[None]:
    _stack().append((scope, options))
    try:
        yield
    finally:
        _stack().pop()


def default_options(**kwargs: Any):
    """Context manager: inside the ``with`` block, layer and op arguments declared as overridable
    default to the given values (explicit arguments still win). Blocks nest; the innermost wins."""
    return _push(None, dict(kwargs))


def default_options_for(functions: Any, **kwargs: Any):
    """Like `default_options`, but only for the given factory function(s)."""
    fns = functions if isinstance(functions, (list, tuple)) else [functions]
    return _push(frozenset(_unwrap(f) for f in fns), dict(kwargs))


def _unwrap(fn: Any) -> Any:
    return getattr(fn, "__wrapped__", fn)


def get_default_override(function_or_class: Optional[Callable], **kwargs: Any) -> Any:
    """Resolve one overridable argument, passed as ``name=value``.

    Returns ``value`` if the caller passed it explicitly, else the innermost active
    override for ``name`` (scoped to ``function_or_class`` or unscoped), else the declared default.
    """
    if len(kwargs) != 1:
        raise TypeError("get_default_override() expects exactly one keyword argument, got %d" % len(kwargs))
    (name, value), = kwargs.items()
    if not is_default_override(value):
        return value
    target = _unwrap(function_or_class) if function_or_class is not None else None
    for scope, options in reversed(_stack()):
        if name in options and (scope is None or target in scope):
            return options[name]
    if name in _global_options:
        return _global_options[name]
    return value.value


def set_global_option(key: str, value: Any) -> None:
    """Set a process-wide default for an overridable argument (outlives any ``with`` block)."""
    _global_options[key] = value


def get_global_option(key: str, default_value: Any) -> Any:
    """Read a process-wide default set by `set_global_option`."""
    return _global_options.get(key, default_value)
