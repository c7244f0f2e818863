"""Interpreting the ``axis`` arguments of ops (ints, static Axis objects, dynamic-axis sentinels)."""
from __future__ import annotations

from typing import Any, List, Optional, Tuple, Union

from .._graph.axis import Axis


def static_axis(axis: Any, op: str) -> int:
    """A Python-order static axis index from an int or a static Axis."""
    if isinstance(axis, Axis):
        if not axis.is_static_axis:
            raise ValueError("%s: expected a static axis, got the dynamic axis %r" % (op, axis))
        return axis.static_axis_index()
    if isinstance(axis, bool) or not isinstance(axis, int):
        try:
            return int(axis)
        except (TypeError, ValueError):
            raise TypeError("%s: axis must be an int or a static Axis, got %r" % (op, axis))
    return axis


def split_batch_axis(axis: Any) -> Tuple[bool, Any]:
    """Whether a reduction's ``axis`` argument names the batch axis (alone or in a list), and the
    static axes given with it (a list, empty when the batch axis comes alone)."""
    if isinstance(axis, Axis) and axis.is_batch_axis:
        return True, []
    if isinstance(axis, (list, tuple)) and any(isinstance(a, Axis) and a.is_batch_axis for a in axis):
        return True, [a for a in axis if not (isinstance(a, Axis) and a.is_batch_axis)]
    return False, axis


def reduction_axes(axis: Any, op: str) -> Union[None, str, List[int]]:
    """None (all static axes), 'all', 'sequence', or a list of static axis indices."""
    if axis is None:
        return None
    if isinstance(axis, Axis):
        if axis.name == "AllAxes":
            return "all"
        if axis.name == "AllStaticAxes":
            return None
        if axis.is_batch_axis:
            raise NotImplementedError("%s over the batch axis together with dynamic axes" % op)
        if axis.is_sequence_axis:
            return "sequence"
    if isinstance(axis, (list, tuple)):
        out = []
        for a in axis:
            r = reduction_axes(a, op)
            if not isinstance(r, list):
                raise NotImplementedError("%s over a mixture of static and dynamic axes" % op)
            out.extend(r)
        return out
    return [static_axis(axis, op)]
