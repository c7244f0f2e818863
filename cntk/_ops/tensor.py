"""Linear algebra, reductions and shape ops over static axes; combine and blocks."""
from __future__ import annotations

from typing import Any, List, Optional, Sequence

import numpy as np

from .._graph.axis import END_STATIC_AXIS_INDEX, Axis
from .naming import name_generated_ops
from .._graph.function import Function, as_variable, primitive
from .._graph.variable import Variable, placeholder
from .axes import reduction_axes, split_batch_axis, static_axis


TIMES_NO_INFERRED_INPUT_RANK = -1
"""int: `times`' ``infer_input_rank_to_map`` default: an inferred input dimension takes all the left operand's axes."""
TIMES_REDUCE_SEQUENCE_AXIS_WITHOUT_INFERRED_INPUT_RANK = -2
"""int: `times`' ``infer_input_rank_to_map`` value that also sums the products over the operands' shared sequence axis."""


def times(left: Any, right: Any, output_rank: int = 1, infer_input_rank_to_map: int = TIMES_NO_INFERRED_INPUT_RANK,
          name: str = "") -> Function:
    """Matrix product ``left @ right`` contracting right's leading axes (all but its last
    ``output_rank``) with left's trailing axes; ``left`` may be sparse (one-hot).

    With ``infer_input_rank_to_map=TIMES_REDUCE_SEQUENCE_AXIS_WITHOUT_INFERRED_INPUT_RANK`` the
    sequence axis is contracted as well: the result is the sum over each sequence of the per-step
    products (batch axis only)."""
    if infer_input_rank_to_map == TIMES_REDUCE_SEQUENCE_AXIS_WITHOUT_INFERRED_INPUT_RANK:
        from . import sequence
        step = primitive("Times", [left, right], {"output_rank": int(output_rank),
                                                 "infer_input_rank_to_map": TIMES_NO_INFERRED_INPUT_RANK})
        return sequence.reduce_sum(step, name=name)
    return primitive("Times", [left, right], {"output_rank": int(output_rank),
                                             "infer_input_rank_to_map": int(infer_input_rank_to_map)}, name=name)


def times_transpose(left: Any, right: Any, name: str = "") -> Function:
    """``left @ right.T`` (right is (out, in))."""
    return primitive("TransposeTimes", [left, right], name=name)


def _reduction(reduction: str, public: str):
    def op(x: Any, axis: Any = None, keepdims: bool = True, name: str = "") -> Function:
        over_batch, axis = split_batch_axis(axis)
        if over_batch:
            static = reduction_axes(axis, public)
            if not isinstance(static, list):
                raise NotImplementedError("cntk.%s over the batch axis together with %r" % (public, axis))
            attrs = {"axes": static, "batch": True} if static else {"axes": "batch"}
            return primitive("ReduceElements", [x], dict(attrs, reduction=reduction, keepdims=bool(keepdims)),
                             name=name)
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
                  " Axis.all_axes() also reduces the batch). Reduced axes are kept with size 1 unless keepdims=False."
                  " Axis.default_batch_axis(), alone or listed with static axes, also reduces over the samples of a"
                  " batch-only operand; the result then has no dynamic axis." % public)
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


def _reshape_axis(axis: Any) -> Optional[int]:
    """A `reshape` axis argument as a Python axis index (`END_STATIC_AXIS_INDEX` for the end of the shape)."""
    if isinstance(axis, Axis):
        if not axis.is_static_axis:
            raise ValueError("reshape: begin_axis and end_axis must be static axes, got %r" % (axis,))
        return END_STATIC_AXIS_INDEX if axis._is_new_leading_axis else axis.static_axis_index()
    return None if axis is None else int(axis)


def reshape(x: Any, shape: Any, begin_axis: Any = None, end_axis: Any = None, name: str = "") -> Function:
    """Reinterpret the static shape (row-major order; one -1 is inferred), optionally only of
    the axes [begin_axis, end_axis): Python axis indices (negative ones count from the end) or
    static `Axis` objects; ``Axis.new_leading_axis()`` stands for the end of the shape, so that
    ``begin_axis == end_axis`` inserts the new dimensions at that position."""
    from .._graph.variable import sanitize_shape
    return primitive("Reshape", [x], {"shape": sanitize_shape(shape), "begin_axis": _reshape_axis(begin_axis),
                                     "end_axis": None if end_axis is None else _reshape_axis(end_axis)}, name=name)


def transpose(x: Any, perm: Optional[Sequence[int]] = None, name: str = "") -> Function:
    """Permute static axes (reverse them when perm is None)."""
    rank = len(as_variable(x).shape)
    p = list(range(rank))[::-1] if perm is None else [a + rank if a < 0 else a for a in perm]
    return primitive("TransposeAxes", [x], {"perm": p}, name=name)


def swapaxes(x: Any, axis1: int = 0, axis2: int = 1, name: str = "") -> Function:
    """Exchange two static axes."""
    try:
        perm = _swap(len(as_variable(x).shape), axis1, axis2)
    except ValueError as e:
        raise ValueError("swapaxes: %s" % e) from None
    return primitive("TransposeAxes", [x], {"perm": perm}, name=name)


def squeeze(x: Any, axes: Any = None, name: str = "") -> Function:
    """Drop static axes of size 1: all of them when ``axes`` is None, else the given ones (an
    error if one is not of size 1). Resolved when the operand's shape is known, so ``x`` may be
    a placeholder."""
    if axes is not None:
        axes = [static_axis(a, "squeeze") for a in (axes if isinstance(axes, (list, tuple)) else [axes])]
    return primitive("Squeeze", [x], {"axes": axes}, name=name)


def expand_dims(x: Any, axis: int, name: str = "") -> Function:
    """Insert a static axis of size 1, as CNTK 2.7 does: a negative ``axis`` counts from the end
    as in NumPy (-1 appends), but a non-negative one inserts *after* axis ``axis`` (for shape
    (2, 3), axis 0 gives (2, 1, 3)). A block "ExpandDims" over a Reshape."""
    axis = static_axis(axis, "expand_dims")
    position = END_STATIC_AXIS_INDEX if axis == -1 else axis + 1
    operand = placeholder(name="operand")
    inner = primitive("Reshape", [operand], {"shape": (1,), "begin_axis": position, "end_axis": position})
    return as_block(inner, [(operand, x)], "ExpandDims", name)


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
    """Slices of ``reference`` along its first axis picked by integer-valued ``indices`` (an
    embedding lookup): shape ``indices.shape + reference.shape[1:]``.

    With an ``axis`` other than 0, a block "GatherOp" as in CNTK: ``axis`` is swapped to the front of
    ``reference``, the slices gathered, and the result's axes 0 and ``axis`` (a negative one
    counted from the end of the result) swapped back; for a vector of indices that is
    ``numpy.take(reference, indices, axis)``."""
    a = None if axis is None else static_axis(axis, "gather")
    if not a:
        return primitive("Gather", [reference, indices], name=name)
    ref, idx = as_variable(reference), as_variable(indices)
    ref_rank, out_rank = len(ref.shape), len(ref.shape) + len(idx.shape) - 1
    inner_ref, inner_idx = placeholder(name="reference"), placeholder(name="indices")
    picked = primitive("Gather", [primitive("TransposeAxes", [inner_ref], {"perm": _swap(ref_rank, 0, a)}), inner_idx])
    out = primitive("TransposeAxes", [picked], {"perm": _swap(out_rank, 0, a)})
    return Function("GatherOp", [ref, idx], {"axis": a}, name=name, block_root=out,
                    block_mapping=[(inner_ref, ref), (inner_idx, idx)])


def _swap(rank: int, axis1: int, axis2: int) -> List[int]:
    """The permutation exchanging two axes (negative ones counted from the end) of a rank-``rank`` tensor."""
    a1, a2 = (axis1 + rank if axis1 < 0 else axis1), (axis2 + rank if axis2 < 0 else axis2)
    if not (0 <= a1 < rank and 0 <= a2 < rank):
        raise ValueError("axes %d and %d do not both exist in an operand of static rank %d" % (axis1, axis2, rank))
    perm = list(range(rank))
    perm[a1], perm[a2] = perm[a2], perm[a1]
    return perm


def zeros_like(x: Any, name: str = "") -> Function:
    """Zeros with the shape and dynamic axes of x."""
    return primitive("Select", [0.0, x, 0.0], name=name)


def ones_like(x: Any, name: str = "") -> Function:
    """Ones with the shape and dynamic axes of x."""
    return primitive("Select", [0.0, x, 1.0], name=name)


def eye_like(x: Any, sparse_output: bool = True, name: str = "") -> Function:
    """An identity matrix shaped like ``x``, which must be a matrix: a static one of rank 2, or a
    batch of vectors (the batch axis counts as the rows). Ones where the row index equals the
    column index, zeros elsewhere; no gradient flows to ``x``. With ``sparse_output`` evaluation
    returns a scipy CSR matrix."""
    var = as_variable(x)
    rank = len(var.shape) + len(var.dynamic_axes)
    if rank != 2 or any(a.is_sequence_axis for a in var.dynamic_axes):
        raise ValueError("eye_like: the operand must be a matrix (static rank 2, or a batch of vectors), "
                         "got shape %s with dynamic axes %s" % (var.shape, list(var.dynamic_axes)))
    return primitive("EyeLikeOp", [var], {"sparse": bool(sparse_output)}, name=name)


def assign(ref: Any, input: Any, name: str = "") -> Function:
    """Write ``input`` into the parameter or constant ``ref``; outputs ``input``. The write happens
    once the whole pass is over (after the backward pass when the forward pass kept state for one),
    so every other use of ``ref`` in the same pass sees its old value."""
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
        root_function._rename(name)
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


name_generated_ops(globals())
