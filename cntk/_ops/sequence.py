"""Ops along sequence axes: delays, first/last, slices, reductions, where/gather/scatter, unpack."""
from __future__ import annotations

from typing import Any

import numpy as np

from .naming import name_generated_ops
from .._graph.function import Function, as_variable, primitive
from .._graph.variable import Constant


def _initial(initial_state: Any, x: Any):
    if initial_state is None:
        return Constant(0.0, dtype=as_variable(x)._dtype or np.float32)
    return initial_state


def past_value(x: Any, initial_state: Any = None, time_step: int = 1, name: str = "") -> Function:
    """x at step t - time_step of its sequence; ``initial_state`` (default 0) before the start."""
    if time_step < 0:
        raise ValueError("past_value: time_step must be >= 0, got %d" % time_step)
    return primitive("PastValue", [x, _initial(initial_state, x)], {"offset": int(time_step)}, name=name)


def future_value(x: Any, initial_state: Any = None, time_step: int = 1, name: str = "") -> Function:
    """x at step t + time_step of its sequence; ``initial_state`` (default 0) past the end."""
    if time_step < 0:
        raise ValueError("future_value: time_step must be >= 0, got %d" % time_step)
    return primitive("FutureValue", [x, _initial(initial_state, x)], {"offset": int(time_step)}, name=name)


def delay(x: Any, initial_state: Any = None, time_step: int = 1, name: str = "") -> Function:
    """past_value for time_step > 0, future_value for time_step < 0, identity for 0."""
    if time_step > 0:
        return past_value(x, initial_state, time_step, name)
    if time_step < 0:
        return future_value(x, initial_state, -time_step, name)
    return primitive("NoOp", [x], name=name)


def _seq_op(op_name: str, doc: str):
    def op(seq: Any, name: str = "") -> Function:
        return primitive(op_name, [seq], name=name)
    op.__doc__ = doc
    return op


first = _seq_op("Sequence::First", "The first step of each sequence (the result has no sequence axis).")
last = _seq_op("Sequence::Last", "The last step of each sequence (the result has no sequence axis).")
is_first = _seq_op("Sequence::IsFirst", "1 at the first step of each sequence, 0 elsewhere.")
is_last = _seq_op("Sequence::IsLast", "1 at the last step of each sequence, 0 elsewhere.")
reduce_sum = _seq_op("Sequence::ReduceSum", "Sum over the steps of each sequence (no sequence axis in the result).")
reduce_max = _seq_op("Sequence::ReduceMax", "Maximum over the steps of each sequence (no sequence axis in the result).")
softmax = _seq_op("Sequence::Softmax", "Softmax across the steps of each sequence, element by element.")


def slice(seq: Any, begin_index: int, end_index: int, name: str = "") -> Function:
    """Steps [begin_index:end_index] of each sequence, Python-style (end 0 = to the end).

    A slice that always holds exactly one step (begin and end counted from the same end of the
    sequence and one apart, e.g. [1:2] or [-1:0]) has no sequence axis in the result, as in CNTK."""
    b, e = int(begin_index), int(end_index)
    single = (b >= 0 and e > 0 and e - b == 1) or (b < 0 and (e == b + 1 if e < 0 else e == 0 and b == -1))
    return primitive("Sequence::Slice", [seq], {"begin": b, "end": e, "single_step": single}, name=name)


def broadcast_as(operand: Any, broadcast_as_operand: Any, name: str = "") -> Function:
    """A per-sequence (batch-only) value repeated at every step of the reference sequence."""
    return primitive("ReconcileDynamicAxis", [operand, broadcast_as_operand], name=name)


def where(condition: Any, name: str = "") -> Function:
    """Indices of the steps where condition is non-zero (fractional values repeat steps by
    cumulative rounding), on a new sequence axis."""
    return primitive("Where", [condition], name=name)


def gather(seq: Any, condition: Any, new_sequence_axis_typeinfo: Any = None, name: str = "") -> Function:
    """The steps of seq where condition is non-zero, on a new sequence axis. Gathers with the same
    condition (and the same ``new_sequence_axis_typeinfo``, a pair of ints CNTK uses to tell axes of
    different length apart) share that axis, so their results combine element-wise."""
    attributes = {}
    if new_sequence_axis_typeinfo is not None:
        scale, bias = new_sequence_axis_typeinfo
        attributes["new_sequence_axis_typeinfo"] = (int(scale), int(bias))
    return primitive("Sequence::Gather", [seq, condition], attributes, name=name)


def scatter(seq: Any, condition: Any, new_sequence_axis_typeinfo: Any = None, name: str = "") -> Function:
    """Inverse of `gather`: place the steps of seq at the positions where condition is non-zero, zeros elsewhere."""
    if new_sequence_axis_typeinfo is not None:
        raise NotImplementedError("cntk.sequence.scatter with new_sequence_axis_typeinfo")
    return primitive("Sequence::Scatter", [seq, condition], name=name)


def unpack(x: Any, padding_value: float, no_mask_output: bool = False, name: str = "") -> Function:
    """A sequence as a padded static tensor (time first) plus, unless ``no_mask_output``, a 0/1 mask."""
    return primitive("UnpackSequence", [x], {"padding_value": float(padding_value), "suppress_mask": bool(no_mask_output)},
                     name=name, num_outputs=1 if no_mask_output else 2)


name_generated_ops(globals())
