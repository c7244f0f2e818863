"""NumPy-style indexing of graph values (``x[0]``, ``x[1:3]``, ``x[..., 2]``): slices along
static axes that keep every axis (an integer index leaves an axis of size 1), as CNTK does."""
from __future__ import annotations

from typing import Any

from .._graph.function import as_variable


def slice_by_index(x: Any, key: Any):
    """The `slice` op described by a Python index expression."""
    from .._ops.tensor import slice as slice_op
    keys = key if isinstance(key, tuple) else (key,)
    rank = len(as_variable(x).shape)
    if sum(1 for k in keys if k is Ellipsis) > 1:
        raise IndexError("an index can have only one ellipsis (...)")
    if Ellipsis in keys:
        at = keys.index(Ellipsis)
        keys = keys[:at] + (slice(None),) * (rank - len(keys) + 1) + keys[at + 1:]
    if len(keys) > rank:
        raise IndexError("too many indices (%d) for a value of static shape %s" % (len(keys), as_variable(x).shape))
    axes, begins, ends, strides = [], [], [], []
    for axis, k in enumerate(keys):
        if isinstance(k, slice):
            if k == slice(None):
                continue
            step = k.step or 1
            if step < 0:
                raise IndexError("negative slice steps are not supported by CNTK slicing")
            axes.append(axis)
            begins.append(k.start or 0)
            ends.append(k.stop if k.stop is not None else 0)
            strides.append(step)
        elif isinstance(k, int):
            axes.append(axis)
            begins.append(k)
            ends.append(k + 1 if k != -1 else 0)
            strides.append(1)
        else:
            raise IndexError("unsupported index %r: use ints, slices and ..." % (k,))
    if not axes:
        return x
    return slice_op(x, axes, begins, ends, strides)
