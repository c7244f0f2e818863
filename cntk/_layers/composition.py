"""Higher-order layers: Sequential, For, SequentialClique, ResNetBlock."""
from __future__ import annotations

import inspect
from typing import Any

from .._graph.composition import forward_compose
from .._graph.function import Function
from .._graph.variable import placeholder
from .._ops.elementwise import alias


def _flatten(layers: Any) -> list:
    if isinstance(layers, list):
        out = []
        for l in layers:
            out.extend(_flatten(l))
        return out
    return [layers]


def Sequential(layers, name=''):
    """Compose layers left to right (``x >> l1 >> l2 ...``); nested lists are flattened and a tuple
    applies each of its members to the same input (or one each to a multi-output predecessor)
    and combines their outputs.

    Examples::

        >>> model = Sequential([Embedding(150), Recurrence(LSTM(300)), Dense(129)])
        >>> bidir = Sequential([(Recurrence(LSTM(50)), Recurrence(LSTM(50), go_backwards=True)), C.splice])
    """
    from .core_layers import identity
    items = _flatten(layers if isinstance(layers, list) else [layers])
    if not items:
        return identity
    first = items[0]
    if isinstance(first, Function):
        f = first
    else:
        x = placeholder(name='x')
        f = forward_compose(x, first)
        if not isinstance(f, Function):
            f = f.owner if f.owner is not None else f
    for g in items[1:]:
        f = forward_compose(f, g)
    if name:
        f._rename(name)
    return f


def For(what_range, constructor, name=''):
    """``Sequential([constructor(i) for i in what_range])``; ``constructor`` may take no argument.
    Each call creates fresh parameters, e.g. ``For(range(3), lambda: Dense(200))``."""
    try:
        takes_arg = len(inspect.signature(constructor).parameters) > 0
    except (TypeError, ValueError):
        takes_arg = True
    layers = [constructor(i) if takes_arg else constructor() for i in what_range]
    return Sequential(layers, name=name)


def SequentialClique(functions, name=''):
    """Each function receives the sum of the input and all previous outputs; the result is the
    last output (named ``name``). Returns a Python function of the input (as CNTK does)."""
    def clique(x):
        for f in functions:
            out = f(x)
            x = x + out
        return alias(out, name=name) if name else out
    return clique


def ResNetBlock(f, name=''):
    """Residual connection ``f(x) + x``. Returns a Python function of the input (as CNTK does)."""
    def skip(x):
        return f(x) + x
    return skip
