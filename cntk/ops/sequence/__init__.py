"""Sequence ops (`cntk.sequence` / `cntk.ops.sequence`) and sequence inputs.

Sequences of different lengths go in as a list of arrays; every op along the sequence axis
respects each sequence's own length:

>>> x = C.sequence.input_variable(1)
>>> data = [np.array([[1.], [2.], [3.]], np.float32), np.array([[10.]], np.float32)]
>>> C.sequence.reduce_sum(x).eval({x: data}).ravel().tolist()
[6.0, 10.0]
>>> C.sequence.last(x).eval({x: data}).ravel().tolist()
[3.0, 10.0]
>>> [s.ravel().tolist() for s in C.sequence.past_value(x, initial_state=-1).eval({x: data})]
[[-1.0, 1.0, 2.0], [-1.0]]
>>> [s.ravel().tolist() for s in C.sequence.broadcast_as(C.sequence.first(x), x).eval({x: data})]
[[1.0, 1.0, 1.0], [10.0]]
"""
from typing import Any

import numpy as np

from ..._graph.axis import Axis, sequence_axes
from ..._graph.defaults import default_override_or, get_default_override
from ..._graph.variable import Variable, VariableKind, sanitize_dtype
from ..._ops.sequence import (broadcast_as, delay, first, future_value, gather, is_first, is_last, last, past_value,
                              reduce_max, reduce_sum, scatter, slice, softmax, unpack, where)


def input_variable(shape: Any, dtype: Any = default_override_or(np.float32), needs_gradient: bool = False,
                   is_sparse: bool = False, sequence_axis: Any = None, name: str = "") -> Variable:
    """A graph input whose data are sequences: dynamic axes (batch, sequence_axis).

    >>> x = C.sequence.input_variable(3, name='words')
    >>> x.shape, [a.name for a in x.dynamic_axes]
    ((3,), ['defaultBatchAxis', 'defaultDynamicAxis'])
    """
    dtype = get_default_override(input_variable, dtype=dtype)
    return Variable(shape, sanitize_dtype(dtype) or np.float32, needs_gradient, is_sparse,
                    sequence_axes(sequence_axis), name, VariableKind.Input)


def input(shape: Any, dtype: Any = default_override_or(np.float32), needs_gradient: bool = False, is_sparse: bool = False,
          sequence_axis: Any = None, name: str = "") -> Variable:
    """Same as `input_variable`."""
    return input_variable(shape, dtype, needs_gradient, is_sparse, sequence_axis, name)
