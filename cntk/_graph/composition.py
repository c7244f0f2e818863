"""Forward composition ``f >> g`` and the parallel (tuple) form used by `Sequential`."""
from __future__ import annotations

from typing import Any


def forward_compose(f: Any, g: Any):
    """``g(f)``: feed f's output(s) into g. A tuple ``g`` applies each member and combines the results."""
    from .function import Function
    from .variable import Variable
    if isinstance(g, tuple):
        from ..ops import combine
        outs = f.outputs if isinstance(f, Function) else [f]
        if isinstance(f, Function) and len(outs) == len(g) and len(outs) > 1:
            return combine([gi(o) for gi, o in zip(g, outs)])
        return combine([gi(f) for gi in g])
    if not callable(g):
        raise TypeError("cannot compose with %r: the right side of >> must be a function" % (g,))
    if isinstance(f, Function) and len(f.outputs) > 1 and not isinstance(g, Function):
        return g(*f.outputs)
    if isinstance(f, Function) and len(f.outputs) > 1 and isinstance(g, Function) and len(g.arguments) == len(f.outputs):
        return g(*f.outputs)
    return g(f)
