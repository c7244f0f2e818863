"""Output types (shape, dtype, dynamic axes) of primitive ops, as CNTK infers them.

Each rule takes the function (for attributes and operand names) and the operand types and
returns one type per output. Unknown parts (operands still bound to placeholders) are the
`Unknown` sentinel; rules then give their best partial answer so that recurrence loops,
whose state placeholders are typed only once the loop closes, converge over a few rounds.
Errors are raised only between fully known operands, naming the op, operands and shapes.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence

import numpy as np

from .axis import END_STATIC_AXIS_INDEX, Axis


class _UnknownType:
    def __repr__(self) -> str:
        return "Unknown"


Unknown: Any = _UnknownType()
FREE = -3


class VarType(NamedTuple):
    shape: Any
    dtype: Any
    axes: Any


def _type_of(v) -> VarType:
    return VarType(Unknown if v._shape is None else tuple(v._shape),
                   Unknown if v._dtype is None else v._dtype,
                   Unknown if v._dynamic_axes is None else tuple(v._dynamic_axes))


_RULES: Dict[str, Callable] = {}


def rule(*names: str):
    def register(fn: Callable) -> Callable:
        for n in names:
            _RULES[n] = fn
        return fn
    return register


def infer_outputs(fn) -> List[VarType]:
    """Types of ``fn``'s outputs from its operands' current types."""
    try:
        r = _RULES[fn.op_name]
    except KeyError:
        raise NotImplementedError("no type rule for op '%s'" % fn.op_name)
    types = [_type_of(v) for v in fn._inputs]
    return r(fn, types)


def describe(fn, k: int) -> str:
    v = fn._inputs[k]
    label = v.name or v.uid
    return "'%s'" % label


def op_error(fn, message: str) -> ValueError:
    who = fn.name and " '%s'" % fn.name or ""
    return ValueError("%s%s: %s" % (fn.op_name, who, message))


# --- helpers ----------------------------------------------------------------------------------
_PRECISION = {np.float16: 0, np.float32: 1, np.float64: 2}


def first_known_dtype(types: Sequence[VarType]) -> Any:
    """The widest known dtype among the operands (float16 < float32 < float64)."""
    known = [t.dtype for t in types if t.dtype is not Unknown]
    if not known:
        return Unknown
    return max(known, key=lambda d: _PRECISION.get(d, 1))


def union_axes(fn, types: Sequence[VarType]) -> Any:
    """Dynamic axes of an element-wise result: batch-only operands broadcast along sequences;
    two different sequence axes are an error."""
    known = [t.axes for t in types if t.axes is not Unknown]
    if not known:
        return Unknown
    dynamic = [a for a in known if len(a) > 0]
    if len(known) < len(types) and not dynamic:
        return Unknown
    best: tuple = ()
    for k, t in enumerate(types):
        axes = t.axes
        if axes is Unknown or not axes:
            continue
        seq_a = [a for a in axes if a.is_sequence_axis]
        seq_b = [a for a in best if a.is_sequence_axis]
        if seq_a and seq_b and seq_a != seq_b:
            raise op_error(fn, "operands have dynamic axes that do not match: %s has %s, another operand has %s"
                           % (describe(fn, k), list(a.name for a in axes), list(a.name for a in best)))
        if len(axes) > len(best):
            best = axes
    return best


def broadcast_shapes(fn, types: Sequence[VarType]) -> Any:
    shapes = [t.shape for t in types if t.shape is not Unknown]
    if not shapes or (len(shapes) < len(types) and all(len(s) == 0 for s in shapes)):
        return Unknown  # scalars say nothing about the shape of an unknown operand
    rank = max(len(s) for s in shapes)
    if len(shapes) < len(types) and rank >= 2 and any(1 in s for s in shapes):
        return Unknown  # a tensor with unit axes (a (K, 1, 1) bias) may broadcast against anything
    out = [1] * rank
    for k, t in enumerate(types):
        if t.shape is Unknown:
            continue
        padded = (1,) * (rank - len(t.shape)) + tuple(t.shape)
        for i, d in enumerate(padded):
            if d == 1 or d == out[i]:
                continue
            if out[i] == 1 or out[i] < 0:
                out[i] = d
            elif d < 0:
                continue
            else:
                shapes_txt = ", ".join("%s %s" % (describe(fn, j), tuple(tt.shape) if tt.shape is not Unknown else "unknown")
                                       for j, tt in enumerate(types))
                raise op_error(fn, "operand shapes cannot be broadcast together: %s" % shapes_txt)
    return tuple(out)


def dims_agree(a: Sequence[int], b: Sequence[int]) -> bool:
    """Whether two shapes of equal rank agree, a free or inferred dimension agreeing with any size."""
    return len(a) == len(b) and all(p == q or p in (FREE, -1) or q in (FREE, -1) for p, q in zip(a, b))


def normalize_axis(fn, axis: int, rank: int) -> int:
    a = axis + rank if axis < 0 else axis
    if not 0 <= a < max(rank, 1) and not (rank == 0 and a == 0):
        raise op_error(fn, "axis %d is out of range for operand shape of rank %d" % (axis, rank))
    return a


# --- element-wise -------------------------------------------------------------------------------
UNARY_OPS = ("Negate", "Sigmoid", "StableSigmoid", "Tanh", "ReLU", "Exp", "Log", "Sqrt", "Floor", "Ceil", "Round", "Abs",
             "Reciprocal", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Atanh", "ELU", "SELU",
             "LeakyReLU", "Softplus", "Softsign", "Square", "HardSigmoid", "StopGradient", "NoOp", "Pass", "Dropout",
             "ElementNot", "StraightThrough", "Softmax", "LogSoftmax", "Hardmax", "Alias", "EyeLikeOp")
BINARY_OPS = ("Plus", "Minus", "ElementTimes", "ElementDivide", "ElementMax", "ElementMin", "Pow", "LogPlus", "Equal",
              "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual", "ElementAnd", "ElementOr", "ElementXor",
              "PReLU", "Select", "Clip", "Sum", "Mean", "SquaredError", "BinaryCrossEntropy")


@rule(*UNARY_OPS)
def _unary(fn, t):
    return [t[0]]


@rule(*BINARY_OPS)
def _elementwise(fn, t):
    shape = broadcast_shapes(fn, t)
    _resolve_inferred_operands(fn, shape, first_known_dtype(t))
    if fn.op_name in ("SquaredError",):
        shape = () if shape is not Unknown else Unknown
    return [VarType(shape, first_known_dtype(t), union_axes(fn, t))]


def _resolve_inferred_operands(fn, shape: Any, dtype: Any) -> None:
    """Parameters/constants with inferred (-1) dims used element-wise take the result's trailing dims."""
    if shape is Unknown or any(d < 0 for d in shape):
        return
    for v in fn._inputs:
        vs = v._shape
        if vs is None or not any(d < 0 for d in vs) or not hasattr(v, "_resolve") or len(vs) > len(shape):
            continue
        tail = shape[len(shape) - len(vs):]
        v._resolve(tuple(tail[i] if d < 0 else d for i, d in enumerate(vs)), dtype if dtype is not Unknown else None)


@rule("Cast")
def _cast(fn, t):
    return [VarType(t[0].shape, fn._attributes["dtype"], t[0].axes)]


# --- linear algebra --------------------------------------------------------------------------------
@rule("Times")
def _times(fn, t):
    x, w = t
    wvar = fn._inputs[1]
    out_rank = fn._attributes.get("output_rank", 1)
    if w.shape is Unknown:
        return [VarType(Unknown, first_known_dtype(t), union_axes(fn, t))]
    in_rank = len(w.shape) - out_rank
    if in_rank < 0:
        raise op_error(fn, "output_rank %d exceeds the rank of %s (shape %s)" % (out_rank, describe(fn, 1), w.shape))
    w_in, w_out = tuple(w.shape[:in_rank]), tuple(w.shape[in_rank:])
    if x.shape is Unknown:
        return [VarType(w_out, first_known_dtype(t), union_axes(fn, t))]
    x_shape = tuple(x.shape)
    if any(d < 0 and d != FREE for d in w_in):
        w_in = _infer_weight_input(fn, x_shape, w_in)
        if hasattr(wvar, "_resolve") and min(w_in + w_out, default=0) >= 0:
            wvar._resolve(w_in + w_out, (None if x.dtype is Unknown else x.dtype))
    elif wvar.is_parameter and wvar._tensor is None and hasattr(wvar, "_resolve"):
        wvar._resolve(tuple(w.shape), (None if x.dtype is Unknown else x.dtype))
    x_shape = _refine_input_dims(fn._inputs[0], x_shape, w_in)
    if len(x_shape) < len(w_in) or not dims_agree(x_shape[len(x_shape) - len(w_in):], w_in):
        raise op_error(fn, "the trailing dimensions of %s (shape %s) must match the input dimensions %s of %s (shape %s)"
                       % (describe(fn, 0), x_shape, w_in, describe(fn, 1), w_in + w_out))
    return [VarType(x_shape[:len(x_shape) - len(w_in)] + w_out, first_known_dtype(t), union_axes(fn, t))]


def _refine_input_dims(xvar, x_shape: tuple, w_in: tuple) -> tuple:
    """An input declared with inferred (-1) trailing dims takes them from the weight it multiplies."""
    tail = x_shape[len(x_shape) - len(w_in):]
    if not getattr(xvar, "is_input", False) or len(tail) != len(w_in) or -1 not in tail or min(w_in, default=0) < 0:
        return x_shape
    refined = x_shape[:len(x_shape) - len(w_in)] + tuple(w if d == -1 else d for d, w in zip(tail, w_in))
    xvar._shape = refined
    return refined


def _infer_weight_input(fn, x_shape: tuple, w_in: tuple) -> tuple:
    """Fill the -1 dims of a weight's input part from the operand (CNTK's inferred input rank)."""
    map_rank = fn._attributes.get("infer_input_rank_to_map", -1)
    input_rank = fn._attributes.get("input_rank")
    if input_rank is not None and all(d < 0 for d in w_in) and len(w_in) == input_rank <= len(x_shape):
        return x_shape[len(x_shape) - input_rank:]
    if len(w_in) == 1 and w_in[0] < 0:
        leading_free = next((i for i, d in enumerate(x_shape) if d != FREE), len(x_shape))
        start = max(map_rank if map_rank is not None and map_rank >= 0 else 0, leading_free)
        if start > len(x_shape):
            raise op_error(fn, "map rank %d exceeds the rank of %s (shape %s)" % (start, describe(fn, 0), x_shape))
        return x_shape[start:] or ()
    if len(x_shape) < len(w_in):
        raise op_error(fn, "%s (shape %s) has fewer axes than the weight's input part %s" % (describe(fn, 0), x_shape, w_in))
    tail = x_shape[len(x_shape) - len(w_in):]
    return tuple(tail[i] if d < 0 else d for i, d in enumerate(w_in))


@rule("TransposeTimes")
def _transpose_times(fn, t):
    x, w = t
    if w.shape is Unknown:
        return [VarType(Unknown, first_known_dtype(t), union_axes(fn, t))]
    w_shape = tuple(w.shape)
    # a vector right operand acts as a (1, n) matrix, so the result keeps an axis of 1 (CNTK's rule)
    w_out, w_in = w_shape[:-1] if len(w_shape) > 1 else (1,), w_shape[-1:]
    if x.shape is Unknown:
        return [VarType(w_out, first_known_dtype(t), union_axes(fn, t))]
    x_shape = tuple(x.shape)
    if x_shape[-1:] != w_in:
        raise op_error(fn, "the last dimension of %s (shape %s) must match the last dimension of %s (shape %s)"
                       % (describe(fn, 0), x_shape, describe(fn, 1), w_shape))
    return [VarType(x_shape[:-1] + w_out, first_known_dtype(t), union_axes(fn, t))]


# --- reductions ------------------------------------------------------------------------------------
@rule("ReduceElements", "Argmax", "Argmin")
def _reduce(fn, t):
    x = t[0]
    axes = fn._attributes.get("axes")
    keep = fn._attributes.get("keepdims", True)
    if x.shape is Unknown:
        return [VarType(Unknown, x.dtype, x.axes)]
    shape = tuple(x.shape)
    if axes is None or axes == "all_static":
        return [VarType((), x.dtype, x.axes)]
    if axes == "all":
        return [VarType((), x.dtype, ())]
    if axes in ("batch", "sequence"):
        dyn = Unknown if x.axes is Unknown else tuple(a for a in x.axes if (a.is_batch_axis if axes == "sequence" else False)
                                                      or (axes == "batch" and not a.is_batch_axis))
        return [VarType(shape, x.dtype, dyn)]
    norm = sorted(set(normalize_axis(fn, a, len(shape)) for a in axes))
    if keep:
        out = tuple(1 if i in norm else d for i, d in enumerate(shape))
    else:
        out = tuple(d for i, d in enumerate(shape) if i not in norm)
    if fn._attributes.get("batch"):  # static axes and the batch axis
        return [VarType(out, x.dtype, Unknown if x.axes is Unknown else tuple(a for a in x.axes if not a.is_batch_axis))]
    return [VarType(out, x.dtype, x.axes)]


@rule("TopK")
def _top_k(fn, t):
    x = t[0]
    if x.shape is Unknown:
        return [VarType(Unknown, x.dtype, x.axes)] * 2
    axis = normalize_axis(fn, fn._attributes["axis"], len(x.shape))
    shape = tuple(fn._attributes["k"] if i == axis else d for i, d in enumerate(x.shape))
    return [VarType(shape, x.dtype, x.axes), VarType(shape, x.dtype, x.axes)]


# --- shapes ------------------------------------------------------------------------------------------
@rule("Slice")
def _slice(fn, t):
    x = t[0]
    if x.shape is Unknown:
        return [VarType(Unknown, x.dtype, x.axes)]
    shape = list(x.shape)
    a = fn._attributes
    for axis, begin, end, stride in zip(a["axes"], a["begins"], a["ends"], a["strides"]):
        ax = normalize_axis(fn, axis, len(shape))
        n = shape[ax]
        b = begin + n if begin < 0 else begin
        e = n if end == 0 else (end + n if end < 0 else end)
        b, e = max(0, min(b, n)), max(0, min(e, n))
        if e <= b:
            raise op_error(fn, "slice [%d:%d] of axis %d of %s (shape %s) is empty" % (begin, end, axis, describe(fn, 0), tuple(x.shape)))
        shape[ax] = len(range(b, e, abs(stride)))
    return [VarType(tuple(shape), x.dtype, x.axes)]


@rule("Splice")
def _splice(fn, t):
    if any(x.shape is Unknown for x in t):
        return [VarType(Unknown, first_known_dtype(t), union_axes(fn, t))]
    rank = max(max(len(x.shape) for x in t), 1)   # scalars splice into a vector
    axis = fn._attributes["axis"]
    ax = axis + rank if axis < 0 else axis
    if ax < 0:  # a new leading axis (CNTK's static axis index beyond the operands' rank)
        rank, ax = rank - ax, 0
    if ax >= rank:
        rank = ax + 1
    shapes = [(1,) * (rank - len(x.shape)) + tuple(x.shape) for x in t]
    out = list(shapes[0])
    for k, s in enumerate(shapes):
        for i, d in enumerate(s):
            if i == ax:
                continue
            if not dims_agree((d,), (shapes[0][i],)):
                raise op_error(fn, "operands must agree on all axes but the splice axis %d: %s has shape %s, %s has shape %s"
                               % (axis, describe(fn, 0), tuple(t[0].shape), describe(fn, k), tuple(t[k].shape)))
            if out[i] < 0 <= d:
                out[i] = d
    along = [s[ax] for s in shapes]
    out[ax] = FREE if FREE in along else (-1 if min(along) < 0 else sum(along))
    return [VarType(tuple(out), first_known_dtype(t), union_axes(fn, t))]


def reshape_span(fn, rank: int) -> tuple:
    """The axes [begin, end) of an operand of static rank ``rank`` that a Reshape replaces, as
    non-negative Python indices. ``begin_axis``/``end_axis`` are Python axis indices (negative
    ones count from the end; 0 is the first axis) or the end of the shape (`END_STATIC_AXIS_INDEX`,
    or None for ``end_axis``); ``begin_axis`` None is 0."""
    def position(value: Optional[int], default: int) -> int:
        if value is None:
            return default
        if value == END_STATIC_AXIS_INDEX:
            return rank
        return value + rank if value < 0 else value
    a = fn._attributes
    begin, end = position(a.get("begin_axis"), 0), position(a.get("end_axis"), rank)
    if not 0 <= begin <= end <= rank:
        raise op_error(fn, "the axes [%s, %s) to reshape do not fit %s (static rank %d)"
                       % (a.get("begin_axis"), a.get("end_axis"), describe(fn, 0), rank))
    return begin, end


@rule("Reshape")
def _reshape(fn, t):
    x = t[0]
    if x.shape is Unknown:
        return [VarType(Unknown, x.dtype, x.axes)]
    shape = tuple(x.shape)
    a = fn._attributes
    begin, end = reshape_span(fn, len(shape))
    part = shape[begin:end]
    target = list(a["shape"])
    size = int(np.prod(part)) if part else 1
    if target.count(-1) > 1:
        raise op_error(fn, "new shape %s has more than one inferred (-1) dimension" % (tuple(target),))
    if FREE in part:  # the element count is known only at run time
        target = [FREE if d == -1 else d for d in target]
        return [VarType(shape[:begin] + tuple(target) + shape[end:], x.dtype, x.axes)]
    if -1 in target:
        known = int(np.prod([d for d in target if d != -1])) if len(target) > 1 else 1
        if known == 0 or size % known:
            raise op_error(fn, "cannot reshape %s (shape %s) into %s" % (describe(fn, 0), shape, tuple(a["shape"])))
        target[target.index(-1)] = size // known
    if int(np.prod(target)) != size:
        raise op_error(fn, "cannot reshape %s (shape %s, %d elements) into %s" % (describe(fn, 0), shape, size, tuple(a["shape"])))
    return [VarType(shape[:begin] + tuple(target) + shape[end:], x.dtype, x.axes)]


def squeezed_shape(fn, shape: tuple) -> tuple:
    """``shape`` without the size-1 axes a Squeeze drops (all of them, or its ``axes``)."""
    axes = fn._attributes.get("axes")
    if axes is None:
        return tuple(d for d in shape if d != 1)
    drop = {normalize_axis(fn, a, len(shape)) for a in axes}
    for a in sorted(drop):
        if shape[a] not in (1, FREE):
            raise op_error(fn, "axis %d of %s (shape %s) has size %d, not 1" % (a, describe(fn, 0), shape, shape[a]))
    return tuple(d for i, d in enumerate(shape) if i not in drop)


@rule("Squeeze")
def _squeeze(fn, t):
    x = t[0]
    if x.shape is Unknown:
        return [VarType(Unknown, x.dtype, x.axes)]
    return [VarType(squeezed_shape(fn, tuple(x.shape)), x.dtype, x.axes)]


@rule("TransposeAxes")
def _transpose(fn, t):
    x = t[0]
    if x.shape is Unknown:
        return [VarType(Unknown, x.dtype, x.axes)]
    perm = fn._attributes["perm"]
    if sorted(perm) != list(range(len(x.shape))):
        raise op_error(fn, "permutation %s does not fit %s (shape %s)" % (list(perm), describe(fn, 0), tuple(x.shape)))
    return [VarType(tuple(x.shape[p] for p in perm), x.dtype, x.axes)]


@rule("Pad")
def _pad(fn, t):
    x = t[0]
    if x.shape is Unknown:
        return [VarType(Unknown, x.dtype, x.axes)]
    pattern = fn._attributes["pattern"]
    return [VarType(tuple(d + p[0] + p[1] for d, p in zip(x.shape, pattern)), x.dtype, x.axes)]


@rule("OneHot")
def _one_hot(fn, t):
    x = t[0]
    if x.shape is Unknown:
        return [VarType(Unknown, x.dtype, x.axes)]
    shape = list(x.shape)
    axis = fn._attributes["axis"]
    pos = len(shape) + 1 + axis if axis < 0 else axis
    shape.insert(pos, fn._attributes["num_classes"])
    return [VarType(tuple(shape), x.dtype, x.axes)]


@rule("Gather")
def _gather(fn, t):
    ref, idx = t
    if ref.shape is Unknown or idx.shape is Unknown:
        return [VarType(Unknown, ref.dtype, idx.axes)]
    return [VarType(tuple(idx.shape) + tuple(ref.shape[1:]), ref.dtype, union_axes(fn, t))]


# --- sequences ---------------------------------------------------------------------------------------
def _require_sequence(fn, x: VarType) -> None:
    if x.axes is not Unknown and not any(a.is_sequence_axis for a in x.axes):
        raise op_error(fn, "operand %s has no sequence axis (dynamic axes %s); this is a sequence operation"
                       % (describe(fn, 0), [a.name for a in x.axes]))


@rule("PastValue", "FutureValue")
def _delay(fn, t):
    x, init = t
    _require_sequence(fn, x)
    shape = x.shape
    if shape is Unknown and init.shape is not Unknown and len(init.shape) > 0:
        shape = init.shape  # a loop's state typed only by its initial value (e.g. UnfoldFrom(lambda h: ...))
    return [VarType(shape, first_known_dtype(t), x.axes)]


@rule("Sequence::First", "Sequence::Last", "Sequence::ReduceSum", "Sequence::ReduceMax")
def _seq_reduce(fn, t):
    x = t[0]
    _require_sequence(fn, x)
    axes = Unknown if x.axes is Unknown else tuple(a for a in x.axes if not a.is_sequence_axis)
    return [VarType(x.shape, x.dtype, axes)]


@rule("Sequence::Slice")
def _seq_slice(fn, t):
    _require_sequence(fn, t[0])
    x = t[0]
    if fn._attributes.get("single_step"):
        axes = Unknown if x.axes is Unknown else tuple(a for a in x.axes if not a.is_sequence_axis)
        return [VarType(x.shape, x.dtype, axes)]
    seq = "sequence" if x.axes is Unknown else next(a.name for a in x.axes if a.is_sequence_axis)
    return [VarType(x.shape, x.dtype, new_sequence_axes(fn, x.axes, "%s_slice" % seq))]


@rule("Sequence::Softmax")
def _seq_same(fn, t):
    _require_sequence(fn, t[0])
    return [t[0]]


@rule("Sequence::IsFirst", "Sequence::IsLast")
def _seq_flag(fn, t):
    _require_sequence(fn, t[0])
    return [VarType((), t[0].dtype, t[0].axes)]


def new_sequence_axes(fn, axes: Any, prefix: str, key: Any = None) -> Any:
    """The batch axes of ``axes`` plus the new sequence axis this op makes. Ops given the same
    ``key`` (CNTK: the same condition and length type) make the same axis; by default each op its own."""
    if axes is Unknown:
        return Unknown
    new = fn._attributes.setdefault("new_axis", Axis("%s_%s" % (prefix, fn.uid if key is None else key)))
    return tuple(a for a in axes if a.is_batch_axis) + (new,)


@rule("Where")
def _where(fn, t):
    _require_sequence(fn, t[0])
    given = fn._attributes.get("new_dynamic_axes")
    if given is not None and not any(a.is_sequence_axis for a in given):
        # one index per sequence (CNTK's sequence.first/last/slice of one step): no sequence axis
        axes = Unknown if t[0].axes is Unknown else tuple(a for a in t[0].axes if a.is_batch_axis)
        return [VarType((), t[0].dtype, axes)]
    return [VarType((), t[0].dtype, new_sequence_axes(fn, t[0].axes, "whereNodeDynamicAxis_conditionVar",
                                                      fn._inputs[0].uid))]


@rule("PackedIndex")
def _packed_index(fn, t):
    return [t[1]]


@rule("GatherPacked")
def _gather_packed(fn, t):
    return [VarType(t[0].shape, t[0].dtype, t[1].axes)]


@rule("ScatterPacked")
def _scatter_packed(fn, t):
    return [VarType(t[0].shape, t[0].dtype, t[2].axes)]


@rule("Sequence::Gather")
def _seq_gather(fn, t):
    x, cond = t
    _require_sequence(fn, x)
    typeinfo = fn._attributes.get("new_sequence_axis_typeinfo")
    if typeinfo is None:
        return [VarType(x.shape, x.dtype, new_sequence_axes(fn, x.axes, "whereNodeDynamicAxis_conditionVar",
                                                            fn._inputs[1].uid))]
    if x.axes is Unknown:
        return [VarType(x.shape, x.dtype, Unknown)]
    batch = tuple(a for a in x.axes if a.is_batch_axis)
    if tuple(typeinfo) == (0, 1):  # exactly one step per sequence: the result has no sequence axis
        return [VarType(x.shape, x.dtype, batch)]
    source = next(a for a in x.axes if a.is_sequence_axis)
    return [VarType(x.shape, x.dtype, batch + (Axis("%s_times_%d_plus_%d" % ((source.name,) + tuple(typeinfo))),))]


@rule("Sequence::Scatter")
def _seq_scatter(fn, t):
    x, cond = t
    return [VarType(x.shape, x.dtype, cond.axes)]


@rule("ReconcileDynamicAxis")
def _reconcile(fn, t):
    x, like = t
    return [VarType(x.shape, x.dtype, like.axes)]


@rule("UnpackSequence")
def _unpack(fn, t):
    x = t[0]
    _require_sequence(fn, x)
    axes = Unknown if x.axes is Unknown else tuple(a for a in x.axes if not a.is_sequence_axis)
    shape = Unknown if x.shape is Unknown else (FREE,) + tuple(x.shape)
    outs = [VarType(shape, x.dtype, axes)]
    if not fn._attributes.get("suppress_mask", False):
        outs.append(VarType((FREE,), x.dtype, axes))
    return outs


@rule("ToSequence")
def _to_sequence(fn, t):
    x = t[0]
    if x.axes is not Unknown and any(a.is_sequence_axis for a in x.axes):
        raise op_error(fn, "%s already has a sequence axis (%s); to_sequence takes a batch of static tensors"
                       % (describe(fn, 0), [a.name for a in x.axes]))
    shape = Unknown if x.shape is Unknown else tuple(x.shape[1:])
    return [VarType(shape, x.dtype, new_sequence_axes(fn, x.axes, fn._attributes.get("prefix", "toSequence_")))]


@rule("ToSequenceLike")
def _to_sequence_like(fn, t):
    x, like = t
    shape = Unknown if x.shape is Unknown else tuple(x.shape[1:])
    return [VarType(shape, x.dtype, like.axes)]


@rule("UnpackBatch")
def _unpack_batch(fn, t):
    x = t[0]
    shape = Unknown if x.shape is Unknown else (FREE,) + tuple(x.shape)
    return [VarType(shape, x.dtype, () if x.axes is not Unknown else Unknown)]


@rule("ToBatch")
def _to_batch(fn, t):
    x = t[0]
    shape = Unknown if x.shape is Unknown else tuple(x.shape[1:])
    return [VarType(shape, x.dtype, (Axis.default_batch_axis(),))]


@rule("Assign")
def _assign(fn, t):
    return [t[0]]


@rule("RandomDistribution")
def _random(fn, t):
    a = fn._attributes
    if t:
        return [VarType(t[0].shape, t[0].dtype, t[0].axes)]
    return [VarType(tuple(a["shape"]), a["dtype"], ())]
