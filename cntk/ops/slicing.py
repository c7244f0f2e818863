"""NumPy-style indexing of graph values (``x[0]``, ``x[1:3]``, ``x[..., 2]``, ``x[0, [1, 2]]``):
slices along static axes that keep every axis (an integer index leaves an axis of size 1), as
CNTK does."""
from __future__ import annotations

from typing import Any

from .._graph.function import as_variable


def slice_by_index(x: Any, key: Any):
    """The ops described by a Python index expression, axis by axis as CNTK builds them: an int
    or a slice becomes a `slice` (a slice with neither start nor stop selects everything, whatever
    its step), a list of ints a `splice` of one-element slices along that axis."""
    from .._ops.tensor import slice as slice_op, splice
    keys = key if isinstance(key, tuple) else (key,)
    var = as_variable(x)
    shape_known = var._shape is not None  # a placeholder not yet bound: axes count from the front
    rank = len(var.shape) if shape_known else len(keys)
    if sum(1 for k in keys if k is Ellipsis) > 1:
        raise IndexError("an index can have only one ellipsis (...)")
    if Ellipsis in keys:
        if not shape_known:
            raise IndexError("'...' needs the rank of the value; %s has no shape yet" % var)
        at = keys.index(Ellipsis)
        keys = keys[:at] + (slice(None),) * (rank - len(keys) + 1) + keys[at + 1:]
    if len(keys) > rank:
        raise IndexError("too many indices (%d) for a value of static shape %s" % (len(keys), as_variable(x).shape))
    axes, begins, ends, strides = [], [], [], []
    for axis, k in enumerate(keys):
        if isinstance(k, (list, tuple)):
            if not all(isinstance(i, int) for i in k):
                raise IndexError("a list index must hold ints, got %r" % (k,))
            picks = [slice_op(x, axis, i, i + 1 if i != -1 else 0) for i in k]
            x = picks[0] if len(picks) == 1 else splice(*picks, axis=axis)
            continue
        if isinstance(k, int):
            k = slice(k, k + 1 if k != -1 else None)
        if not isinstance(k, slice):
            raise IndexError("unsupported index %r: use ints, lists of ints, slices and ..." % (k,))
        if not k.start and not k.stop:
            continue
        axes.append(axis)
        begins.append(k.start or 0)
        ends.append(k.stop or 0)
        strides.append(k.step or 1)
    if not axes:
        return x
    return slice_op(x, axes, begins, ends, strides)
