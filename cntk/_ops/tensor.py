"""Linear algebra, reductions and shape ops over static axes; combine and blocks."""
from __future__ import annotations

from typing import Any, List, Optional, Sequence

import numpy as np

from .._graph.axis import Axis
from .._graph.function import Function, as_variable, primitive
from .._graph.variable import Variable
from .axes import reduction_axes, static_axis


def times(left: Any, right: Any, output_rank: int = 1, infer_input_rank_to_map: int = -1, name: str = "") -> Function:
    """Matrix product ``left @ right`` contracting right's leading axes (all but its last
    ``output_rank``) with left's trailing axes; ``left`` may be sparse (one-hot)."""
    return primitive("Times", [left, right], {"output_rank": int(output_rank),
                                             "infer_input_rank_to_map": int(infer_input_rank_to_map)}, name=name)


def times_transpose(left: Any, right: Any, name: str = "") -> Function:
    """``left @ right.T`` (right is (out, in))."""
    return primitive("TransposeTimes", [left, right], name=name)


def _reduction(reduction: str, public: str):
    def op(x: Any, axis: Any = None, keepdims: bool = True, name: str = "") -> Function:
        axes = reduction_axes(axis, public)
        if axes == "sequence":
            from . import sequence
            if reduction == "Sum":
                return sequence.reduce_sum(x, name=name)
            if reduction == "Max":
                return sequence.reduce_max(x, name=name)
            raise NotImplementedError("cntk.%s over a sequence axis" % public)
        return primitive("ReduceElements", [x], {"reduction": reduction, "axes": axes, "keepdims": bool(keepdims)}, name=name)
    op.__name__ = public
    op.__doc__ = ("%s over the given static axis or axes (all static axes when axis is None, giving shape ();"
                  " Axis.all_axes() also reduces the batch). Reduced axes are kept with size 1 unless keepdims=False." % public)
    return op


reduce_sum = _reduction("Sum", "reduce_sum")
reduce_mean = _reduction("Mean", "reduce_mean")
reduce_max = _reduction("Max", "reduce_max")
reduce_min = _reduction("Min", "reduce_min")
reduce_prod = _reduction("Prod", "reduce_prod")
reduce_log_sum_exp = _reduction("LogSum", "reduce_log_sum_exp")
reduce_l1 = _reduction("L1", "reduce_l1")
reduce_l2 = _reduction("L2", "reduce_l2")
reduce_sum_square = _reduction("SumSquare", "reduce_sum_square")


def argmax(x: Any, axis: Any = None, name: str = "") -> Function:
    """Index (as a float) of the maximum along ``axis`` (kept with size 1); over all static axes
    (flat index, shape ()) when axis is None. Ties give the first index."""
    return primitive("Argmax", [x], {"axes": None if axis is None else [static_axis(axis, "argmax")]}, name=name)


def argmin(x: Any, axis: Any = None, name: str = "") -> Function:
    """Index (as a float) of the minimum along ``axis``; see `argmax`."""
    return primitive("Argmin", [x], {"axes": None if axis is None else [static_axis(axis, "argmin")]}, name=name)


def top_k(x: Any, k: int, axis: int = -1, name: str = "") -> Function:
    """Two outputs: the ``k`` largest values along ``axis`` and their indices."""
    return primitive("TopK", [x], {"k": int(k), "axis": static_axis(axis, "top_k")}, name=name, num_outputs=2)


def splice(*inputs: Any, axis: int = -1, name: str = "") -> Function:
    """Concatenate along a static axis (default the last)."""
    ops = list(inputs[0]) if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)) else list(inputs)
    if isinstance(axis, Axis) and axis._is_new_leading_axis:  # before every operand's first axis
        axis = -(max([len(as_variable(o).shape) for o in ops] + [1]) + 1)
    return primitive("Splice", ops, {"axis": static_axis(axis, "splice")}, name=name)


def slice(x: Any, axis: Any, begin_index: Any, end_index: Any, strides: Any = None, name: str = "") -> Function:
    """Python-style slice ``[begin:end:stride]`` of static axis or axes (end 0 means to the end);
    a sequence axis slices along time (see `sequence.slice`)."""
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    if len(axes) == 1 and isinstance(axes[0], Axis) and axes[0].is_sequence_axis:
        from . import sequence
        return sequence.slice(x, begin_index, end_index, name=name)
    begins = list(begin_index) if isinstance(begin_index, (list, tuple)) else [begin_index]
    ends = list(end_index) if isinstance(end_index, (list, tuple)) else [end_index]
    steps = list(strides) if isinstance(strides, (list, tuple)) else [strides or 1] * len(axes)
    return primitive("Slice", [x], {"axes": [static_axis(a, "slice") for a in axes], "begins": [int(b) for b in begins],
                                   "ends": [int(e) for e in ends], "strides": [int(s) for s in steps]}, name=name)


def reshape(x: Any, shape: Any, begin_axis: Optional[int] = None, end_axis: Optional[int] = None, name: str = "") -> Function:
    """Reinterpret the static shape (row-major order; one -1 is inferred), optionally only of
    the axes [begin_axis, end_axis)."""
    from .._graph.variable import sanitize_shape
    return primitive("Reshape", [x], {"shape": sanitize_shape(shape), "begin_axis": begin_axis, "end_axis": end_axis}, name=name)


def transpose(x: Any, perm: Optional[Sequence[int]] = None, name: str = "") -> Function:
    """Permute static axes (reverse them when perm is None)."""
    rank = len(as_variable(x).shape)
    p = list(range(rank))[::-1] if perm is None else [a + rank if a < 0 else a for a in perm]
    return primitive("TransposeAxes", [x], {"perm": p}, name=name)


def swapaxes(x: Any, axis1: int = 0, axis2: int = 1, name: str = "") -> Function:
    """Exchange two static axes."""
    rank = len(as_variable(x).shape)
    a1, a2 = (axis1 + rank if axis1 < 0 else axis1), (axis2 + rank if axis2 < 0 else axis2)
    p = list(range(rank))
    p[a1], p[a2] = p[a2], p[a1]
    return primitive("TransposeAxes", [x], {"perm": p}, name=name)


def squeeze(x: Any, axes: Any = None, name: str = "") -> Function:
    """Drop static axes of size 1 (all of them when axes is None)."""
    shape = as_variable(x).shape
    rank = len(shape)
    drop = {i for i, d in enumerate(shape) if d == 1} if axes is None else \
        {(a + rank if a < 0 else a) for a in (axes if isinstance(axes, (list, tuple)) else [axes])}
    for a in drop:
        if shape[a] != 1:
            raise ValueError("squeeze: axis %d of %s has size %d, not 1" % (a, shape, shape[a]))
    return reshape(x, tuple(d for i, d in enumerate(shape) if i not in drop), name=name)


def expand_dims(x: Any, axis: int, name: str = "") -> Function:
    """Insert a static axis of size 1 at ``axis``."""
    shape = list(as_variable(x).shape)
    pos = axis + len(shape) + 1 if axis < 0 else axis
    shape.insert(pos, 1)
    return reshape(x, tuple(shape), name=name)


def flatten(x: Any, axis: Optional[int] = None, name: str = "") -> Function:
    """Flatten the static axes into one (axis None), or into two split before ``axis``."""
    shape = as_variable(x).shape
    if axis is None:
        return reshape(x, (int(np.prod(shape)),), name=name)
    a = axis + len(shape) if axis < 0 else axis
    return reshape(x, (int(np.prod(shape[:a])), int(np.prod(shape[a:]))), name=name)


CONSTANT_PAD, REFLECT_PAD, SYMMETRIC_PAD = 0, 1, 2


def pad(x: Any, pattern: Sequence[Sequence[int]], mode: int = CONSTANT_PAD, constant_value: float = 0, name: str = "") -> Function:
    """Pad static axes by (before, after) per axis; mode CONSTANT_PAD, REFLECT_PAD or SYMMETRIC_PAD."""
    return primitive("Pad", [x], {"pattern": [tuple(int(v) for v in p) for p in pattern], "mode": int(mode),
                                 "value": float(constant_value)}, name=name)


def one_hot(x: Any, num_classes: int, sparse_output: bool = False, axis: int = -1, name: str = "") -> Function:
    """One-hot encode integer-valued x into ``num_classes`` entries along a new axis."""
    return primitive("OneHot", [x], {"num_classes": int(num_classes), "axis": int(axis), "sparse": bool(sparse_output)}, name=name)


def gather(reference: Any, indices: Any, axis: Any = None, name: str = "") -> Function:
    """Rows of ``reference`` picked by integer-valued ``indices`` (an embedding lookup)."""
    if axis is not None and static_axis(axis, "gather") not in (0, -len(as_variable(reference).shape)):
        raise NotImplementedError("cntk.ops.gather with axis other than 0")
    return primitive("Gather", [reference, indices], name=name)


def zeros_like(x: Any, name: str = "") -> Function:
    """Zeros with the shape and dynamic axes of x."""
    return primitive("Select", [0.0, x, 0.0], name=name)


def ones_like(x: Any, name: str = "") -> Function:
    """Ones with the shape and dynamic axes of x."""
    return primitive("Select", [0.0, x, 1.0], name=name)


def assign(ref: Any, input: Any, name: str = "") -> Function:
    """Write ``input`` into the parameter or constant ``ref`` when evaluated; outputs ``input``."""
    return primitive("Assign", [ref, input], name=name)


def combine(*operands: Any, name: str = "") -> Function:
    """A function whose outputs are the outputs of all operands (given as a list or one by one)."""
    ops = list(operands[0]) if len(operands) == 1 and isinstance(operands[0], (list, tuple)) else list(operands)
    outs: List[Variable] = []
    for op in ops:
        outs.extend(op.outputs if isinstance(op, Function) else [as_variable(op)])
    return Function("Combine", outs, name=name)


def as_block(composite: Function, block_arguments_map: Any, block_op_name: str, block_instance_name: str = "") -> Function:
    """Wrap a composite as a block: one node with op name ``block_op_name`` whose internal
    placeholders are bound to the given outer variables."""
    pairs = list(block_arguments_map.items()) if isinstance(block_arguments_map, dict) else list(block_arguments_map)
    mapping = [(inner, as_variable(outer)) for inner, outer in pairs]
    for inner, _ in mapping:
        if not inner.is_placeholder:
            raise TypeError("as_block: %r is not a placeholder of the composite" % (inner,))
    return Function(block_op_name, [outer for _, outer in mapping], name=block_instance_name,
                    block_root=composite, block_mapping=mapping)


def as_composite(root_function: Function, name: str = "") -> Function:
    """The composite rooted at a function (here, the function itself, renamed if asked)."""
    if name:
        root_function.name = name
    return root_function


def reconcile_dynamic_axes(x: Any, dynamic_axes_as: Any, name: str = "") -> Function:
    """x laid out on the dynamic axes of another operand (a batch-only x repeats at each step)."""
    return primitive("ReconcileDynamicAxis", [x, dynamic_axes_as], name=name)


def to_sequence(x: Any, sequence_lengths: Any = None, sequence_axis_name_prefix: str = "toSequence_", name: str = "") -> Function:
    """Turn the leading static axis of batch-only data into a new sequence axis (lengths optional)."""
    ops = [x] if sequence_lengths is None else [x, sequence_lengths]
    return primitive("ToSequence", ops, {"prefix": sequence_axis_name_prefix}, name=name)


def to_sequence_like(x: Any, dynamic_axes_like: Any, name: str = "") -> Function:
    """Like `to_sequence`, with the sequence axis and lengths of another operand."""
    return primitive("ToSequenceLike", [x, dynamic_axes_like], name=name)


def unpack_batch(x: Any, name: str = "") -> Function:
    """Move the batch axis into a leading static axis."""
    return primitive("UnpackBatch", [x], name=name)


def to_batch(x: Any, name: str = "") -> Function:
    """Move the leading static axis into the batch axis."""
    return primitive("ToBatch", [x], name=name)
