"""Sequence ops (`cntk.sequence` / `cntk.ops.sequence`) and sequence inputs."""
from typing import Any

import numpy as np

from ..._graph.axis import Axis, sequence_axes
from ..._graph.variable import Variable, VariableKind, sanitize_dtype
from ..._ops.sequence import (broadcast_as, delay, first, future_value, gather, is_first, is_last, last, past_value,
                              reduce_max, reduce_sum, scatter, slice, softmax, unpack, where)


def input_variable(shape: Any, dtype: Any = np.float32, needs_gradient: bool = False, is_sparse: bool = False,
                   sequence_axis: Any = None, name: str = "") -> Variable:
    """A graph input whose data are sequences: dynamic axes (batch, sequence_axis)."""
    return Variable(shape, sanitize_dtype(dtype) or np.float32, needs_gradient, is_sparse,
                    sequence_axes(sequence_axis), name, VariableKind.Input)


def input(shape: Any, dtype: Any = np.float32, needs_gradient: bool = False, is_sparse: bool = False,
          sequence_axis: Any = None, name: str = "") -> Variable:
    """Same as `input_variable`."""
    return input_variable(shape, dtype, needs_gradient, is_sparse, sequence_axis, name)
