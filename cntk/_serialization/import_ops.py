"""From CNTK's primitive functions (op code + attribute dictionary) to this package's op nodes.

Most ops map one to one; the differences are conventions: CNTK stores ``Times``, ``TransposeTimes``
and ``Gather`` operands in the reverse of Python's order, counts static axes from the column-major
end (index ``i`` is numpy axis ``-(i + 1)``), and stores shapes reversed. Attributes this package
does not model are kept under ``cntk_attributes`` so that saving writes them back.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, NamedTuple

import numpy as np

from .._graph.axis import Axis
from .._graph.variable import Constant, Variable
from .errors import ModelFileError
from .values import AxisRecord, DYNAMIC_AXIS_INDEX, FREE_DIM, INFERRED_DIM

ALL_STATIC_AXES_INDEX = 2147483646
ALL_AXES_INDEX = 2147483643
CNTK_DTYPES = {1: np.float32, 2: np.float64, 4: np.float16}


class OpSpec(NamedTuple):
    """What to build for one CNTK primitive: our op name, operands, attributes, output count."""

    op_name: str
    operands: List[Variable]
    attributes: dict
    num_outputs: int = 1


class ImportCall:
    """One CNTK primitive being translated: its record, resolved operands and error context."""

    def __init__(self, op: str, record: dict, operands: List[Variable], where: str) -> None:
        self.op = op
        self.record = record
        self.operands = operands
        self.where = where                      # "file 'x.model', function Times12"
        self.attrs: dict = dict(record.get("attributes") or {})
        self.used: set = set()

    def get(self, key: str, default: Any = None) -> Any:
        """An attribute (marked as used), or ``default`` when the file omits it."""
        self.used.add(key)
        return self.attrs.get(key, default)

    def need(self, key: str) -> Any:
        """A required attribute."""
        self.used.add(key)
        if key not in self.attrs:
            raise self.error("attribute '%s' is missing" % key)
        return self.attrs[key]

    def error(self, message: str) -> ModelFileError:
        """An error naming the file, the function and the op."""
        return ModelFileError("%s (%s): %s" % (self.where, self.op, message))

    def extra(self) -> dict:
        """Attributes the translation did not use (written back unchanged on save)."""
        return {k: v for k, v in self.attrs.items() if k not in self.used}

    def rank(self, k: int = 0) -> int:
        """Static rank of operand ``k`` (it must be known)."""
        shape = self.operands[k]._shape
        if shape is None:
            raise self.error("the shape of operand %d ('%s') is not known" % (k, self.operands[k].uid))
        return len(shape)

    def shape(self, k: int = 0) -> tuple:
        """Static shape of operand ``k`` (it must be known)."""
        self.rank(k)
        return tuple(self.operands[k]._shape)

    def static_axis(self, a: Any, key: str) -> int:
        """A CNTK static axis index from an Axis record."""
        if not isinstance(a, AxisRecord):
            raise self.error("attribute '%s' should be an axis, found %r" % (key, a))
        if a.static_axis_idx == DYNAMIC_AXIS_INDEX:
            raise self.error("attribute '%s' is the dynamic axis '%s'; a static axis is expected" % (key, a.name))
        return int(a.static_axis_idx)

    def arity(self, *counts: int) -> None:
        """Check the number of operands."""
        if len(self.operands) not in counts:
            raise self.error("expected %s operand(s), the file has %d"
                             % (" or ".join(str(c) for c in counts), len(self.operands)))


def py_axis(cntk_index: int) -> int:
    """The numpy axis (negative, so independent of rank) of a CNTK static axis index."""
    return -(cntk_index + 1)


def numpy_shape(dims: Any) -> tuple:
    """Stored dims (CNTK order, special values) as a numpy-order shape (-1 inferred, -3 free)."""
    out = []
    for d in reversed(tuple(dims)):
        if d == INFERRED_DIM:
            out.append(-1)
        elif d == FREE_DIM:
            out.append(-3)
        else:
            out.append(int(d))
    return tuple(out)


def dynamic_axes(records: Any) -> tuple:
    """A stored dynamic-axis list (sequence axis first, then batch) in this package's order."""
    axes = []
    for a in reversed(list(records or [])):
        if a.name == "defaultBatchAxis":
            axes.append(Axis.default_batch_axis())
        else:
            axes.append(Axis(a.name, bool(a.is_ordered_dynamic_axis)))
    return tuple(axes)


_TRANSLATORS: Dict[str, Callable[[ImportCall], OpSpec]] = {}


def translator(*names: str):
    """Register the translation of one or more CNTK ops."""
    def register(fn):
        for n in names:
            _TRANSLATORS[n] = fn
        return fn
    return register


def translate(call: ImportCall) -> OpSpec:
    """The op node to build for a CNTK primitive (NotImplementedError for ops this package lacks)."""
    fn = _TRANSLATORS.get(call.op)
    if fn is None:
        raise NotImplementedError("%s: the CNTK op '%s' is not implemented in cntk-torch" % (call.where, call.op))
    spec = fn(call)
    extra = call.extra()
    if extra:
        spec.attributes["cntk_attributes"] = extra
    return spec


def supported_ops() -> List[str]:
    """CNTK op names the loader can translate."""
    return sorted(_TRANSLATORS)


# --- element-wise -------------------------------------------------------------------------------------
_SAME = ("Negate", "Tanh", "ReLU", "Exp", "Log", "Sqrt", "Floor", "Abs", "Reciprocal", "Sin", "Cos", "Tan", "Asin",
         "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Atanh", "StableSigmoid", "NoOp", "Pass", "StopGradient",
         "StraightThrough", "Plus", "Minus", "ElementTimes", "Equal", "NotEqual", "Less", "LessEqual", "Greater",
         "GreaterEqual", "LogPlus", "Pow", "Select", "Clip", "ReconcileDynamicAxis", "CosDistance", "UnpackBatch",
         "ToBatch", "ToSequenceLike", "Combine", "Logistic")


@translator(*_SAME)
def _same(c: ImportCall) -> OpSpec:
    return OpSpec(c.op, list(c.operands), {})


@translator("Sigmoid")
def _sigmoid(c: ImportCall) -> OpSpec:
    return OpSpec("Sigmoid", list(c.operands), {})


@translator("ELU")
def _elu(c: ImportCall) -> OpSpec:
    return OpSpec("ELU", list(c.operands), {"alpha": 1.0})


@translator("Softmax", "LogSoftmax", "Hardmax")
def _softmax(c: ImportCall) -> OpSpec:
    attrs: dict = {"axis": None}
    if "axis" in c.attrs:
        attrs["axis"] = py_axis(c.static_axis(c.need("axis"), "axis"))
    return OpSpec(c.op, list(c.operands), attrs)


@translator("Dropout")
def _dropout(c: ImportCall) -> OpSpec:
    attrs = {"rate": float(c.get("dropoutRate", 0.0))}
    if "rngSeed" in c.attrs:
        attrs["seed"] = int(c.get("rngSeed"))
    return OpSpec("Dropout", list(c.operands), attrs)


@translator("EyeLikeOp")
def _eye_like(c: ImportCall) -> OpSpec:
    return OpSpec("EyeLikeOp", list(c.operands), {"sparse": bool(c.get("OutputSparse", True))})


@translator("Cast")
def _cast(c: ImportCall) -> OpSpec:
    code = int(c.need("newDataType"))
    if code not in CNTK_DTYPES:
        raise c.error("newDataType %d is not a float type (1 float32, 2 float64, 4 float16)" % code)
    return OpSpec("Cast", list(c.operands), {"dtype": CNTK_DTYPES[code]})


@translator("ConstantOp")
def _constant_op(c: ImportCall) -> OpSpec:
    x = c.operands[0]
    dtype = x._dtype or np.float32
    fill = float(c.get("fillValue", 0.0))
    return OpSpec("Select", [Constant(0.0, dtype=dtype), x, Constant(fill, dtype=dtype)], {"cntk_op": "ConstantOp"})


# --- linear algebra -------------------------------------------------------------------------------------
@translator("Times")
def _times(c: ImportCall) -> OpSpec:
    c.arity(2)
    w, x = c.operands
    return OpSpec("Times", [x, w], {"output_rank": int(c.get("outputRank", 1)),
                                    "infer_input_rank_to_map": int(c.get("inferInputRankToMap", -1))})


@translator("TransposeTimes")
def _transpose_times(c: ImportCall) -> OpSpec:
    c.arity(2)
    right, left = c.operands
    out_rank = int(c.get("outputRank", 1))
    if out_rank != 1:
        raise NotImplementedError("%s: TransposeTimes with outputRank %d" % (c.where, out_rank))
    return OpSpec("TransposeTimes", [left, right], {})


@translator("Gather")
def _gather(c: ImportCall) -> OpSpec:
    c.arity(2)
    indices, reference = c.operands
    if "axis" in c.attrs:
        ax = c.static_axis(c.get("axis"), "axis")
        if ax != c.rank(1) - 1:
            raise NotImplementedError("%s: Gather along an axis other than the first" % c.where)
    return OpSpec("Gather", [reference, indices], {})


# --- shapes -----------------------------------------------------------------------------------------------
@translator("Slice")
def _slice(c: ImportCall) -> OpSpec:
    if "axisVec" in c.attrs:
        axes = [c.static_axis(a, "axisVec") for a in c.need("axisVec")]
        begins = [int(b) for b in c.need("beginIndexVec")]
        ends = [int(e) for e in c.need("endIndexVec")]
        strides = [int(s) for s in c.get("sliceStridesVec", [1] * len(axes))]
    else:
        axes = [c.static_axis(c.need("axis"), "axis")]
        begins, ends = [int(c.need("beginIndex"))], [int(c.need("endIndex"))]
        strides = [int(c.get("sliceStrides", 1))]
    if not len(axes) == len(begins) == len(ends) == len(strides):
        raise c.error("axis, begin, end and stride lists differ in length")
    return OpSpec("Slice", list(c.operands), {"axes": [py_axis(a) for a in axes], "begins": begins, "ends": ends,
                                              "strides": strides})


@translator("Splice")
def _splice(c: ImportCall) -> OpSpec:
    return OpSpec("Splice", list(c.operands), {"axis": py_axis(c.static_axis(c.need("axis"), "axis"))})


@translator("Reshape")
def _reshape(c: ImportCall) -> OpSpec:
    rank = c.rank()
    new = numpy_shape(c.need("newShape"))
    begin = c.static_axis(c.get("beginAxis"), "beginAxis") if "beginAxis" in c.attrs else 0
    end = c.static_axis(c.get("endAxis"), "endAxis") if "endAxis" in c.attrs else rank
    if not 0 <= begin <= end <= rank:
        raise c.error("reshape axes [%d, %d) do not fit an operand of rank %d" % (begin, end, rank))
    py_begin, py_end = rank - end, rank - begin
    attrs = {"shape": new, "begin_axis": py_begin or None, "end_axis": None if py_end == rank else py_end}
    return OpSpec("Reshape", list(c.operands), attrs)


@translator("Squeeze")
def _squeeze(c: ImportCall) -> OpSpec:
    shape = c.shape()
    if "axisVec" in c.attrs:
        drop = {len(shape) + py_axis(c.static_axis(a, "axisVec")) for a in c.need("axisVec")}
    else:
        drop = {i for i, d in enumerate(shape) if d == 1}
    new = tuple(d for i, d in enumerate(shape) if i not in drop)
    return OpSpec("Reshape", list(c.operands), {"shape": new, "begin_axis": None, "end_axis": None,
                                                "cntk_op": "Squeeze"})


@translator("TransposeAxes")
def _transpose(c: ImportCall) -> OpSpec:
    rank = c.rank()
    if "axisVec" in c.attrs:
        # CNTK permutation in column-major terms: output axis i takes input axis perm[i]
        perm_cm = [c.static_axis(a, "axisVec") for a in c.need("axisVec")]
        if sorted(perm_cm) != list(range(rank)):
            raise c.error("permutation %s does not fit an operand of rank %d" % (perm_cm, rank))
        perm = [rank - 1 - perm_cm[rank - 1 - j] for j in range(rank)]
    else:
        a1 = rank + py_axis(c.static_axis(c.need("axis1"), "axis1"))
        a2 = rank + py_axis(c.static_axis(c.need("axis2"), "axis2"))
        perm = list(range(rank))
        if not (0 <= a1 < rank and 0 <= a2 < rank):
            raise c.error("axes out of range for an operand of rank %d" % rank)
        perm[a1], perm[a2] = perm[a2], perm[a1]
    return OpSpec("TransposeAxes", list(c.operands), {"perm": perm})


@translator("Pad")
def _pad(c: ImportCall) -> OpSpec:
    head = [int(v) for v in c.need("paddingHead")]
    foot = [int(v) for v in c.need("paddingFoot")]
    if len(head) != len(foot):
        raise c.error("paddingHead and paddingFoot differ in length")
    pattern = [(h, f) for h, f in zip(reversed(head), reversed(foot))]
    return OpSpec("Pad", list(c.operands), {"pattern": pattern, "mode": int(c.get("paddingMode", 0)),
                                            "value": float(c.get("paddingConstantValue", 0.0))})


@translator("OneHot")
def _one_hot(c: ImportCall) -> OpSpec:
    axis = py_axis(c.static_axis(c.need("onehotAxis"), "onehotAxis")) if "onehotAxis" in c.attrs else -1
    return OpSpec("OneHot", list(c.operands), {"num_classes": int(c.need("numClass")), "axis": axis,
                                               "sparse": bool(c.get("oneHotOutputSparse", False))})


@translator("TopK")
def _top_k(c: ImportCall) -> OpSpec:
    return OpSpec("TopK", list(c.operands), {"k": int(c.need("numItems")),
                                             "axis": py_axis(c.static_axis(c.need("axis"), "axis"))}, 2)


# --- reductions -----------------------------------------------------------------------------------------------
_REDUCTIONS = {"Sum", "Mean", "Max", "Min", "Prod", "LogSum", "Argmax", "Argmin"}


@translator("ReduceElements")
def _reduce(c: ImportCall) -> OpSpec:
    op = c.need("reductionOpName")
    if op not in _REDUCTIONS:
        raise NotImplementedError("%s: the reduction '%s'" % (c.where, op))
    keep = bool(c.get("reductionKeepDimensions", True))
    records = list(c.need("axisVec")) if "axisVec" in c.attrs else [c.need("axis")]
    idx = [r.static_axis_idx if isinstance(r, AxisRecord) else None for r in records]
    if any(i is None for i in idx):
        raise c.error("reduction axes %r are not axes" % (records,))
    if ALL_AXES_INDEX in idx:
        axes: Any = "all"
    elif ALL_STATIC_AXES_INDEX in idx:
        axes = list(range(c.rank())) if keep and c.rank() else None
    elif DYNAMIC_AXIS_INDEX in idx:
        names = [r.name for r in records]
        raise NotImplementedError("%s: a reduction over the dynamic axis %s" % (c.where, names))
    else:
        axes = [py_axis(i) for i in idx]
    if op in ("Argmax", "Argmin"):
        if axes == "all":
            raise NotImplementedError("%s: %s over all axes" % (c.where, op))
        if axes is not None and len(axes) != 1:
            raise NotImplementedError("%s: %s over several axes" % (c.where, op))
        return OpSpec(op, list(c.operands), {"axes": axes})
    return OpSpec("ReduceElements", list(c.operands), {"reduction": op, "axes": axes, "keepdims": keep})


# --- sequences ---------------------------------------------------------------------------------------------------
@translator("PastValue", "FutureValue")
def _delay(c: ImportCall) -> OpSpec:
    c.arity(2)
    return OpSpec(c.op, list(c.operands), {"offset": int(c.get("offset", 1))})


@translator("Where")
def _where(c: ImportCall) -> OpSpec:
    axes = dynamic_axes(c.need("newDynamicAxes"))
    seq = [a for a in axes if a.is_sequence_axis]
    attrs: dict = {"new_dynamic_axes": axes}
    if seq:
        attrs["new_axis"] = seq[0]
    return OpSpec("Where", list(c.operands), attrs)


@translator("PackedIndex", "GatherPacked")
def _packed(c: ImportCall) -> OpSpec:
    c.arity(2)
    return OpSpec(c.op, list(c.operands), {})


@translator("ScatterPacked")
def _scatter_packed(c: ImportCall) -> OpSpec:
    c.arity(3)
    return OpSpec("ScatterPacked", list(c.operands), {})


@translator("UnpackSequence")
def _unpack(c: ImportCall) -> OpSpec:
    suppress = bool(c.get("sequenceUnpackSuppressMaskOutput", False))
    attrs = {"padding_value": float(c.get("sequenceUnpackPaddingValue", 0.0)), "suppress_mask": suppress}
    return OpSpec("UnpackSequence", list(c.operands), attrs, 1 if suppress else 2)


@translator("ToSequence")
def _to_sequence(c: ImportCall) -> OpSpec:
    attrs: dict = {"prefix": c.get("sequenceAxis", "toSequence_")}
    axes = dynamic_axes(c.get("newDynamicAxes", []))
    seq = [a for a in axes if a.is_sequence_axis]
    if seq:
        attrs["new_axis"] = seq[0]
    return OpSpec("ToSequence", list(c.operands), attrs)


# --- others --------------------------------------------------------------------------------------------------------
@translator("BatchNormalization")
def _batch_norm(c: ImportCall) -> OpSpec:
    c.arity(6)
    attrs = {"spatial": bool(c.get("spatial", False)),
             "normalization_time_constant": float(c.get("normalizationTimeConstant", 5000.0)),
             "blend_time_constant": float(c.get("blendTimeConstant", 0.0)),
             "epsilon": float(c.get("epsilon", 1e-5)),
             "disable_regularization": bool(c.get("disableRegularization", False))}
    return OpSpec("BatchNormalization", list(c.operands), attrs)


@translator("CrossEntropyWithSoftmax", "ClassificationError")
def _legacy_losses(c: ImportCall) -> OpSpec:
    attrs: dict = {"axis": -1}
    if "axis" in c.attrs:
        attrs["axis"] = py_axis(c.static_axis(c.get("axis"), "axis"))
    if c.op == "ClassificationError":
        attrs["topN"] = 1
        if len(c.operands) == 3:
            raise NotImplementedError("%s: ClassificationError with a topN operand" % c.where)
    return OpSpec(c.op, list(c.operands[:2]), attrs)


@translator("Assign")
def _assign(c: ImportCall) -> OpSpec:
    c.arity(2)
    return OpSpec("Assign", list(c.operands), {})
