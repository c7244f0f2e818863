"""From this package's op nodes to CNTK primitive records (the inverse of `import_ops`).

Ops CNTK has as primitives are written one to one with CNTK's attribute names and conventions.
Ops that CNTK builds from primitives (``sequence.last`` is a ``Sequence::Slice`` block of
ReconcileDynamicAxis/FutureValue/Where/PackedIndex/GatherPacked, ``element_divide`` is an
``ElementDivide`` block of Reciprocal and ElementTimes, ...) are lowered to equivalent CNTK
primitives inside a block that carries CNTK's op name, so that CNTK 2.7 loads the file.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np

from .._graph.function import Function
from .._graph.inference import reshape_span
from .._graph.variable import Variable
from .values import Float32, Int32
from .writer import (RecordWriter, SaveError, all_axes_record, all_static_axes_record, cntk_dims, dynamic_axis_records,
                     is_named_alias, static_axis_record)

CAST_CODES = {np.float32: 1, np.float64: 2, np.float16: 4}


class Lower:
    """Writing the records of one Function: its operands' uids and helpers to emit primitives."""

    def __init__(self, writer: RecordWriter, fn: Function) -> None:
        self.w = writer
        self.fn = fn
        self.vars: List[Variable] = list(fn._inputs)
        self.args: List[str] = [writer.ref(v) for v in self.vars]
        self.attrs: dict = dict(fn._attributes)

    @property
    def where(self) -> str:
        """How errors name this function."""
        return "%s '%s'" % (self.fn.op_name, self.fn.name or self.fn.uid)

    @property
    def dtype(self) -> Any:
        """The float type of the function's first output."""
        return self.fn._outputs[0]._dtype or np.float32

    def rank(self, k: int = 0) -> int:
        """Static rank of operand ``k``."""
        shape = self.vars[k]._shape
        if shape is None:
            raise SaveError("%s: the shape of operand %d is not known" % (self.where, k))
        return len(shape)

    def cntk_axis(self, axis: int, rank: int) -> int:
        """CNTK's static axis index of a numpy axis of an operand of rank ``rank``."""
        a = axis + rank if axis < 0 else axis
        if not 0 <= a < max(rank, 1):
            raise SaveError("%s: axis %d is out of range for rank %d" % (self.where, axis, rank))
        return rank - 1 - a

    def extra(self) -> dict:
        """CNTK attributes kept from a loaded file that this package does not model."""
        return dict(self.attrs.get("cntk_attributes") or {})

    def out(self, op: str, inputs: Sequence[str], attributes: Optional[dict] = None) -> str:
        """Write the record that produces this function's outputs (its uid and name)."""
        attrs = dict(attributes or {})
        for k, v in self.extra().items():
            attrs.setdefault(k, v)
        return self.w.primitive(op, inputs, attrs, name=self.fn.name, uid=self.fn.uid)

    def prim(self, op: str, inputs: Sequence[str], attributes: Optional[dict] = None) -> str:
        """Write an internal primitive; returns the uid of its (first) output."""
        return self.w.primitive(op, inputs, attributes) + "_Output_0"

    def const(self, value: Any, dtype: Any = None) -> str:
        """A new constant of the function's dtype (or ``dtype``)."""
        return self.w.constant(value, dtype or self.dtype)

    def block(self, op_name: str, body: Callable[..., str], operands: Optional[Sequence[int]] = None,
              attributes: Optional[dict] = None) -> str:
        """Write this function as a block named ``op_name`` whose internal graph ``body`` builds from
        placeholders standing for the given operands (all by default); ``body`` returns its root output."""
        idx = list(range(len(self.vars))) if operands is None else list(operands)
        phs = [self.w.placeholder(self.vars[i]) for i in idx]
        root_ref, leaves = self.w.capture(lambda: body(*phs))
        root_uid = root_ref.rsplit("_Output_", 1)[0]
        outer = [self.args[i] for i in idx]
        inputs = _unique([u for u in leaves if u not in phs] + outer)
        return self.w.block(op_name, root_uid, list(zip(phs, outer)), inputs, attributes,
                            name=self.fn.name, uid=self.fn.uid)


def _unique(items: Sequence[str]) -> List[str]:
    seen: set = set()
    out = []
    for x in items:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


_EXPORTERS: Dict[str, Callable[[Lower], Any]] = {}


def exporter(*names: str):
    """Register how one or more of our ops are written."""
    def register(fn):
        for n in names:
            _EXPORTERS[n] = fn
        return fn
    return register


def export_function(writer: RecordWriter, fn: Function) -> None:
    """Write the record(s) of one Function."""
    if fn.is_block:
        _export_block(writer, fn)
        return
    cntk_op = fn._attributes.get("cntk_op")
    name = cntk_op if cntk_op in _EXPORTERS else fn.op_name
    ex = _EXPORTERS.get(name)
    if ex is None:
        raise NotImplementedError("Function.save: the op '%s' ('%s') cannot be written in CNTK's format yet"
                                  % (fn.op_name, fn.name or fn.uid))
    ex(Lower(writer, fn))


def _export_block(writer: RecordWriter, fn: Function) -> None:
    mapping = [(writer.ref(inner), writer.ref(outer)) for inner, outer in fn._block_mapping]
    # CNTK lists a block's own leaves (parameters, constants) first, then its arguments in map order
    outer_ids = {id(outer) for _, outer in fn._block_mapping}
    own = [writer.ref(v) for v in fn.inputs if id(v) not in outer_ids]
    inputs = _unique(own + [outer for _, outer in mapping])
    attrs = dict(fn._attributes.get("cntk_attributes") or {})
    writer.block(fn.op_name, fn._block_root.uid, mapping, inputs, attrs, name=fn.name, uid=fn.uid)


# --- one-to-one ops ------------------------------------------------------------------------------------------
_SAME = ("Negate", "Sigmoid", "Tanh", "ReLU", "Exp", "Log", "Sqrt", "Floor", "Abs", "Reciprocal", "Sin", "Cos", "Tan",
         "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Atanh", "StableSigmoid", "NoOp", "Pass", "StopGradient",
         "StraightThrough", "Plus", "Minus", "ElementTimes", "Equal", "NotEqual", "Less", "LessEqual", "Greater",
         "GreaterEqual", "LogPlus", "Pow", "Select", "Clip", "ReconcileDynamicAxis", "CosDistance", "UnpackBatch",
         "ToBatch", "ToSequenceLike", "Combine", "PackedIndex", "GatherPacked", "ScatterPacked", "Assign", "Logistic")


@exporter(*_SAME)
def _same(L: Lower) -> None:
    if is_named_alias(L.fn):
        L.out("NoOp", L.args)
        return
    L.out(L.fn.op_name if L.fn._attributes.get("cntk_op") is None else L.fn._attributes["cntk_op"], L.args)


@exporter("Alias")
def _alias(L: Lower) -> None:
    L.out("NoOp", L.args)


@exporter("ConstantOp")
def _constant_op(L: Lower) -> None:
    fill = float(L.vars[2].value.reshape(-1)[0])
    L.out("ConstantOp", [L.args[1]], {"fillValue": fill})


@exporter("Times")
def _times(L: Lower) -> None:
    L.out("Times", [L.args[1], L.args[0]], {"outputRank": int(L.attrs.get("output_rank", 1)),
                                           "inferInputRankToMap": Int32(L.attrs.get("infer_input_rank_to_map", -1))})


@exporter("TransposeTimes")
def _transpose_times(L: Lower) -> None:
    L.out("TransposeTimes", [L.args[1], L.args[0]], {"outputRank": 1})


@exporter("Gather")
def _gather(L: Lower) -> None:
    L.out("Gather", [L.args[1], L.args[0]])


@exporter("Cast")
def _cast(L: Lower) -> None:
    L.out("Cast", L.args, {"newDataType": Int32(CAST_CODES[L.attrs["dtype"]])})


@exporter("EyeLikeOp")
def _eye_like(L: Lower) -> None:
    L.out("EyeLikeOp", L.args, {"OutputSparse": bool(L.attrs.get("sparse", True))})


@exporter("Dropout")
def _dropout(L: Lower) -> None:
    L.out("Dropout", L.args, {"dropoutRate": float(L.attrs.get("rate", 0.0)), "rngSeed": int(L.attrs.get("seed", 0)),
                              "rngOffset": int(L.extra().get("rngOffset", 0))})


@exporter("PastValue", "FutureValue")
def _delay(L: Lower) -> None:
    L.out(L.fn.op_name, L.args, {"offset": int(L.attrs.get("offset", 1))})


@exporter("ELU")
def _elu(L: Lower) -> None:
    alpha = float(L.attrs.get("alpha", 1.0))
    if alpha == 1.0:
        L.out("ELU", L.args)
        return

    def body(x: str) -> str:
        neg = L.prim("ElementTimes", [L.const(alpha), L.prim("ELU", [x])])
        return L.prim("Select", [L.prim("Less", [x, L.const(0.0)]), neg, x])
    L.block("ELU", body, attributes={"alpha": alpha})


@exporter("Softmax", "LogSoftmax", "Hardmax")
def _softmax(L: Lower) -> None:
    axis = L.attrs.get("axis")
    rank = L.rank()
    if axis is None or rank <= 1:
        L.out(L.fn.op_name, L.args)
        return
    if L.fn.op_name == "Hardmax":
        raise NotImplementedError("Function.save: hardmax along one axis of a rank-%d tensor" % rank)
    ax = static_axis_record(L.cntk_axis(axis, rank))

    def body(x: str) -> str:
        mx = L.prim("ReduceElements", [x], {"axis": ax, "reductionOpName": "Max", "reductionKeepDimensions": True})
        shifted = L.prim("Minus", [x, mx])
        e = L.prim("Exp", [shifted])
        s = L.prim("ReduceElements", [e], {"axis": ax, "reductionOpName": "Sum", "reductionKeepDimensions": True})
        if L.fn.op_name == "Softmax":
            return L.prim("ElementTimes", [e, L.prim("Reciprocal", [s])])
        return L.prim("Minus", [shifted, L.prim("Log", [s])])
    L.block(L.fn.op_name, body, attributes={"axis": ax})


# --- linear algebra and shapes -----------------------------------------------------------------------------------
@exporter("Slice")
def _slice(L: Lower) -> None:
    rank = L.rank()
    axes = [static_axis_record(L.cntk_axis(a, rank)) for a in L.attrs["axes"]]
    begins = [Int32(b) for b in L.attrs["begins"]]
    ends = [Int32(e) for e in L.attrs["ends"]]
    strides = [Int32(s) for s in L.attrs["strides"]]
    if len(axes) == 1:
        L.out("Slice", L.args, {"axis": axes[0], "beginIndex": begins[0], "endIndex": ends[0],
                                "sliceStrides": strides[0]})
    else:
        L.out("Slice", L.args, {"axisVec": axes, "beginIndexVec": begins, "endIndexVec": ends,
                                "sliceStridesVec": strides})


@exporter("Splice")
def _splice(L: Lower) -> None:
    rank = max([len(v._shape or ()) for v in L.vars] + [1])
    axis = L.attrs["axis"]
    if axis < 0 and axis + rank < 0:          # a new leading axis
        index = -axis - 1
    else:
        index = L.cntk_axis(axis, rank)
    L.out("Splice", L.args, {"axis": static_axis_record(index)})


@exporter("Reshape")
def _reshape(L: Lower) -> None:
    rank = L.rank()
    begin, end = reshape_span(L.fn, rank)
    out_shape = tuple(L.fn._outputs[0]._shape or ())
    target = tuple(L.attrs["shape"])
    if -1 in target and L.fn._outputs[0]._shape is not None:
        target = out_shape[begin:len(out_shape) - (rank - end)]
    L.out("Reshape", L.args, {"newShape": cntk_dims(target, L.where), "beginAxis": static_axis_record(rank - end),
                              "endAxis": static_axis_record(rank - begin)})


@exporter("Squeeze")
def _squeeze(L: Lower) -> None:
    axes = L.attrs.get("axes")
    if axes is None:
        L.out("Squeeze", L.args)
        return
    rank = L.rank()
    L.out("Squeeze", L.args, {"axisVec": [static_axis_record(L.cntk_axis(a, rank)) for a in axes]})


@exporter("TransposeAxes")
def _transpose(L: Lower) -> None:
    perm = list(L.attrs["perm"])
    rank = len(perm)
    moved = [i for i, p in enumerate(perm) if p != i]
    if len(moved) == 2:
        a1, a2 = moved
        L.out("TransposeAxes", L.args, {"axis1": static_axis_record(rank - 1 - a1),
                                        "axis2": static_axis_record(rank - 1 - a2)})
        return
    if not moved:
        L.out("NoOp", L.args)
        return
    perm_cm = [rank - 1 - perm[rank - 1 - i] for i in range(rank)]
    L.out("TransposeAxes", L.args, {"axisVec": [static_axis_record(p) for p in perm_cm]})


@exporter("Pad")
def _pad(L: Lower) -> None:
    pattern = [tuple(p) for p in L.attrs["pattern"]]
    L.out("Pad", L.args, {"paddingHead": [int(p[0]) for p in reversed(pattern)],
                          "paddingFoot": [int(p[1]) for p in reversed(pattern)],
                          "paddingMode": int(L.attrs.get("mode", 0)),
                          "paddingConstantValue": float(L.attrs.get("value", 0.0))})


@exporter("OneHot")
def _one_hot(L: Lower) -> None:
    rank = L.rank() + 1
    L.out("OneHot", L.args, {"numClass": int(L.attrs["num_classes"]),
                             "oneHotOutputSparse": bool(L.attrs.get("sparse", False)),
                             "onehotAxis": static_axis_record(L.cntk_axis(L.attrs.get("axis", -1), rank))})


@exporter("TopK")
def _top_k(L: Lower) -> None:
    L.out("TopK", L.args, {"axis": static_axis_record(L.cntk_axis(L.attrs["axis"], L.rank())),
                           "numItems": int(L.attrs["k"])})


# --- reductions --------------------------------------------------------------------------------------------------
def _reduction_attrs(L: Lower, op: str, axes: Any, keep: bool) -> dict:
    rank = L.rank()
    if axes == "all":
        return {"axis": all_axes_record(), "reductionOpName": op, "reductionKeepDimensions": False}
    if axes is None or axes == "all_static":
        return {"axis": all_static_axes_record(), "reductionOpName": op, "reductionKeepDimensions": False}
    if isinstance(axes, str) or L.attrs.get("batch"):
        raise NotImplementedError("Function.save: %s over the '%s' axis" % (L.where, "batch" if L.attrs.get("batch") else axes))
    records = [static_axis_record(L.cntk_axis(a, rank)) for a in axes]
    attrs: dict = {"axis": records[0]} if len(records) == 1 else {"axisVec": records}
    attrs.update({"reductionOpName": op, "reductionKeepDimensions": bool(keep)})
    return attrs


_NATIVE_REDUCTIONS = {"Sum", "Mean", "Max", "Min", "Prod", "LogSum"}


@exporter("ReduceElements")
def _reduce(L: Lower) -> None:
    op = L.attrs["reduction"]
    axes, keep = L.attrs.get("axes"), L.attrs.get("keepdims", True)
    if op in _NATIVE_REDUCTIONS:
        L.out("ReduceElements", L.args, _reduction_attrs(L, op, axes, keep))
        return
    if op not in ("SumSquare", "L1", "L2"):
        raise NotImplementedError("Function.save: the reduction '%s'" % op)
    attrs = _reduction_attrs(L, "Sum", axes, keep)

    def body(x: str) -> str:
        pre = L.prim("Abs", [x]) if op == "L1" else L.prim("ElementTimes", [x, x])
        total = L.prim("ReduceElements", [pre], attrs)
        return L.prim("Sqrt", [total]) if op == "L2" else total
    L.block({"SumSquare": "ReduceSumSquare", "L1": "ReduceL1", "L2": "ReduceL2"}[op], body)


@exporter("Argmax", "Argmin")
def _arg(L: Lower) -> None:
    axes = L.attrs.get("axes")
    L.out("ReduceElements", L.args, _reduction_attrs(L, L.fn.op_name, axes, axes is not None))


# --- element-wise ops CNTK composes --------------------------------------------------------------------------------
@exporter("Square")
def _square(L: Lower) -> None:
    L.out("ElementTimes", [L.args[0], L.args[0]])


@exporter("Ceil")
def _ceil(L: Lower) -> None:
    L.out("Negate", [L.prim("Floor", [L.prim("Negate", L.args)])])


@exporter("Round")
def _round(L: Lower) -> None:
    L.out("Floor", [L.prim("Plus", [L.args[0], L.const(0.5)])])


@exporter("ElementDivide")
def _divide(L: Lower) -> None:
    L.block("ElementDivide", lambda a, b: L.prim("ElementTimes", [a, L.prim("Reciprocal", [b])]))


@exporter("ElementMax", "ElementMin")
def _max_min(L: Lower) -> None:
    cmp = "Greater" if L.fn.op_name == "ElementMax" else "Less"
    L.block(L.fn.op_name, lambda a, b: L.prim("Select", [L.prim(cmp, [a, b]), a, b]))


@exporter("Softplus")
def _softplus(L: Lower) -> None:
    s = float(L.attrs.get("steepness", 1.0))

    def body(x: str) -> str:
        if s == 1.0:
            return L.prim("LogPlus", [x, L.const(0.0)])
        sp = L.prim("LogPlus", [L.prim("ElementTimes", [x, L.const(s)]), L.const(0.0)])
        return L.prim("ElementTimes", [sp, L.prim("Reciprocal", [L.const(s)])])
    L.block("Softplus", body)


@exporter("Softsign")
def _softsign(L: Lower) -> None:
    L.block("Softsign", lambda x: L.prim("ElementTimes", [x, L.prim("Reciprocal", [
        L.prim("Plus", [L.prim("Abs", [x]), L.const(1.0)])])]))


@exporter("LeakyReLU")
def _leaky(L: Lower) -> None:
    alpha = float(L.attrs.get("alpha", 0.01))
    L.block("LeakyReLU", lambda x: L.prim("Select", [L.prim("Less", [x, L.const(0.0)]),
                                                     L.prim("ElementTimes", [L.const(alpha), x]), x]),
            attributes={"alpha": alpha})


@exporter("PReLU")
def _prelu(L: Lower) -> None:
    L.block("PReLU", lambda alpha, x: L.prim("Select", [L.prim("Less", [x, L.const(0.0)]),
                                                         L.prim("ElementTimes", [alpha, x]), x]))


@exporter("SELU")
def _selu(L: Lower) -> None:
    scale, alpha = float(L.attrs["scale"]), float(L.attrs["alpha"])

    def body(x: str) -> str:
        neg = L.prim("ElementTimes", [L.const(alpha), L.prim("ELU", [x])])
        inner = L.prim("Select", [L.prim("Less", [x, L.const(0.0)]), neg, x])
        return L.prim("ElementTimes", [L.const(scale), inner])
    L.block("SELU", body, attributes={"gamma": scale, "alpha": alpha})


@exporter("HardSigmoid")
def _hard_sigmoid(L: Lower) -> None:
    a, b = float(L.attrs["alpha"]), float(L.attrs["beta"])
    L.block("HardSigmoid", lambda x: L.prim("Clip", [
        L.prim("Plus", [L.prim("ElementTimes", [x, L.const(a)]), L.const(b)]), L.const(0.0), L.const(1.0)]),
        attributes={"alpha": Float32(a), "beta": b})


@exporter("ElementNot")
def _not(L: Lower) -> None:
    L.block("Not", lambda x: L.prim("Equal", [x, L.const(0.0)]))


@exporter("ElementAnd", "ElementOr", "ElementXor")
def _logic(L: Lower) -> None:
    def body(a: str, b: str) -> str:
        ta = L.prim("NotEqual", [a, L.const(0.0)])
        tb = L.prim("NotEqual", [b, L.const(0.0)])
        if L.fn.op_name == "ElementAnd":
            return L.prim("ElementTimes", [ta, tb])
        if L.fn.op_name == "ElementOr":
            return L.prim("Greater", [L.prim("Plus", [ta, tb]), L.const(0.0)])
        return L.prim("NotEqual", [ta, tb])
    L.block({"ElementAnd": "And", "ElementOr": "Or", "ElementXor": "Xor"}[L.fn.op_name], body)


@exporter("Sum", "Mean")
def _nary(L: Lower) -> None:
    def body(*xs: str) -> str:
        total = xs[0]
        for x in xs[1:]:
            total = L.prim("Plus", [total, x])
        if L.fn.op_name == "Mean":
            total = L.prim("ElementTimes", [total, L.const(1.0 / len(xs))])
        return total
    L.block(L.fn.op_name, body)


# --- losses and metrics ----------------------------------------------------------------------------------------------
@exporter("SquaredError")
def _squared_error(L: Lower) -> None:
    def body(o: str, t: str) -> str:
        d = L.prim("Minus", [o, t])
        return L.prim("ReduceElements", [L.prim("ElementTimes", [d, d])],
                      {"axis": all_static_axes_record(), "reductionOpName": "Sum", "reductionKeepDimensions": False})
    L.block("SquaredError", body)


def _bce_body(L: Lower, o: str, t: str) -> str:
    one = L.const(1.0)
    pos = L.prim("ElementTimes", [t, L.prim("Log", [o])])
    neg = L.prim("ElementTimes", [L.prim("Minus", [one, t]), L.prim("Log", [L.prim("Minus", [one, o])])])
    return L.prim("Negate", [L.prim("Plus", [pos, neg])])


@exporter("BinaryCrossEntropy")
def _bce(L: Lower) -> None:
    L.block("BinaryCrossEntropy", lambda o, t: _bce_body(L, o, t))


def _vector_loss_check(L: Lower) -> None:
    if L.rank(0) != 1 or L.rank(1) != 1 or L.attrs.get("axis", -1) not in (-1, 0):
        raise NotImplementedError("Function.save: %s of tensors of rank > 1 (only vectors are supported)" % L.where)


@exporter("CrossEntropyWithSoftmax")
def _ce(L: Lower) -> None:
    _vector_loss_check(L)

    def body(o: str, t: str) -> str:
        lse = L.prim("ReduceElements", [o], {"axis": static_axis_record(0), "reductionOpName": "LogSum",
                                             "reductionKeepDimensions": True})
        return L.prim("Minus", [lse, L.prim("TransposeTimes", [t, o], {"outputRank": 1})])
    L.block("CrossEntropyWithSoftmax", body)


@exporter("ClassificationError")
def _classification_error(L: Lower) -> None:
    _vector_loss_check(L)
    if L.attrs.get("topN", 1) != 1:
        raise NotImplementedError("Function.save: classification_error with topN > 1")
    L.block("ClassificationError", lambda o, t: L.prim("Minus", [
        L.const([1.0]), L.prim("TransposeTimes", [t, L.prim("Hardmax", [o])], {"outputRank": 1})]))


# --- sequences --------------------------------------------------------------------------------------------------------
def _seq_axes_attr(v: Variable) -> list:
    return dynamic_axis_records(v._dynamic_axes or ())


@exporter("Where")
def _where(L: Lower) -> None:
    attrs = {"newDynamicAxes": _seq_axes_attr(L.fn._outputs[0])}
    L.out("Where", L.args, attrs)


@exporter("UnpackSequence")
def _unpack(L: Lower) -> None:
    L.out("UnpackSequence", L.args, {"sequenceUnpackPaddingValue": float(L.attrs.get("padding_value", 0.0)),
                                     "sequenceUnpackSuppressMaskOutput": bool(L.attrs.get("suppress_mask", False))})


@exporter("ToSequence")
def _to_sequence(L: Lower) -> None:
    L.out("ToSequence", L.args, {"sequenceAxis": L.attrs.get("prefix", "toSequence_"),
                                 "newDynamicAxes": _seq_axes_attr(L.fn._outputs[0])})


@exporter("BatchNormalization")
def _batch_norm(L: Lower) -> None:
    a = L.attrs
    L.out("BatchNormalization", L.args, {
        "spatial": bool(a.get("spatial", False)),
        "normalizationTimeConstant": float(a.get("normalization_time_constant", 5000.0)),
        "blendTimeConstant": float(a.get("blend_time_constant", 0.0)), "epsilon": float(a.get("epsilon", 1e-5)),
        "useCuDNNEngine": bool(L.extra().get("useCuDNNEngine", False)),
        "disableRegularization": bool(a.get("disable_regularization", False))})


def _step_flags(L: Lower, x: str, fill: float, delay: str, initial: float, offset: int = 1) -> str:
    """``delay`` (PastValue/FutureValue) of a constant broadcast along x's steps."""
    spread = L.prim("ReconcileDynamicAxis", [L.const(fill), x])
    return L.prim(delay, [spread, L.const(initial)], {"offset": int(offset)})


def _pick(L: Lower, x: str, mask: str, new_axes: list, single: bool) -> str:
    attrs: dict = {"newDynamicAxes": new_axes}
    if single:
        attrs.update({"newSequenceAxisLengthScalingFactor": 0, "newSequenceAxisLengthAdditiveFactor": Int32(1)})
    where = L.prim("Where", [mask], attrs)
    packed = L.prim("PackedIndex", [x, where])
    return L.prim("GatherPacked", [x, packed])


@exporter("Sequence::First", "Sequence::Last")
def _first_last(L: Lower) -> None:
    delay = "PastValue" if L.fn.op_name == "Sequence::First" else "FutureValue"
    out_axes = _seq_axes_attr(L.fn._outputs[0])
    L.block("Sequence::Slice", lambda x: _pick(L, x, _step_flags(L, x, 0.0, delay, 1.0), out_axes, True))


@exporter("Sequence::IsFirst", "Sequence::IsLast")
def _is_first_last(L: Lower) -> None:
    delay = "PastValue" if L.fn.op_name == "Sequence::IsFirst" else "FutureValue"
    L.block(L.fn.op_name, lambda x: _step_flags(L, x, 0.0, delay, 1.0))


@exporter("Sequence::Slice")
def _seq_slice(L: Lower) -> None:
    begin, end = int(L.attrs["begin"]), int(L.attrs["end"])
    out_axes = _seq_axes_attr(L.fn._outputs[0])

    def body(x: str) -> str:
        factors = []
        if begin > 0:        # t >= begin
            factors.append(_step_flags(L, x, 1.0, "PastValue", 0.0, begin))
        elif begin < 0:      # t >= len + begin
            factors.append(L.prim("Minus", [L.const(1.0), _step_flags(L, x, 1.0, "FutureValue", 0.0, -begin)]))
        if end > 0:          # t < end
            factors.append(L.prim("Minus", [L.const(1.0), _step_flags(L, x, 1.0, "PastValue", 0.0, end)]))
        elif end < 0:        # t < len + end
            factors.append(_step_flags(L, x, 1.0, "FutureValue", 0.0, -end))
        if not factors:
            mask = L.prim("ReconcileDynamicAxis", [L.const(1.0), x])
        else:
            mask = factors[0]
            for f in factors[1:]:
                mask = L.prim("ElementTimes", [mask, f])
        return _pick(L, x, mask, out_axes, bool(L.attrs.get("single_step")))
    L.block("Sequence::Slice", body)


def _time_axis(L: Lower) -> dict:
    return {"axis": static_axis_record(L.rank())}


@exporter("Sequence::ReduceSum", "Sequence::ReduceMax")
def _seq_reduce(L: Lower) -> None:
    is_sum = L.fn.op_name == "Sequence::ReduceSum"

    def body(x: str) -> str:
        unpacked = L.prim("UnpackSequence", [x], {"sequenceUnpackPaddingValue": 0.0 if is_sum else -math.inf,
                                                  "sequenceUnpackSuppressMaskOutput": True})
        attrs = dict(_time_axis(L), reductionOpName="Sum" if is_sum else "Max", reductionKeepDimensions=False)
        return L.prim("ReduceElements", [unpacked], attrs)
    L.block("Sequence::ReduceElements", body)


@exporter("Sequence::Softmax")
def _seq_softmax(L: Lower) -> None:
    def reduce(x: str, op: str, pad: float) -> str:
        unpacked = L.prim("UnpackSequence", [x], {"sequenceUnpackPaddingValue": pad,
                                                  "sequenceUnpackSuppressMaskOutput": True})
        total = L.prim("ReduceElements", [unpacked], dict(_time_axis(L), reductionOpName=op,
                                                          reductionKeepDimensions=False))
        return total

    def body(x: str) -> str:
        mx = L.prim("ReconcileDynamicAxis", [reduce(x, "Max", -math.inf), x])
        e = L.prim("Exp", [L.prim("Minus", [x, mx])])
        s = L.prim("ReconcileDynamicAxis", [reduce(e, "Sum", 0.0), x])
        return L.prim("ElementTimes", [e, L.prim("Reciprocal", [s])])
    L.block("Sequence::Softmax", body)


@exporter("Sequence::Gather")
def _seq_gather(L: Lower) -> None:
    out_axes = _seq_axes_attr(L.fn._outputs[0])
    L.block("Sequence::Gather", lambda x, cond: _pick(L, x, cond, out_axes, False))


@exporter("Sequence::Scatter")
def _seq_scatter(L: Lower) -> None:
    seq_axes = _seq_axes_attr(L.vars[0])

    def body(x: str, cond: str) -> str:
        where = L.prim("Where", [cond], {"newDynamicAxes": seq_axes})
        packed = L.prim("PackedIndex", [cond, where])
        return L.prim("ScatterPacked", [x, packed, cond])
    L.block("Sequence::Scatter", body)


def exported_ops() -> List[str]:
    """Our op names `Function.save` can write."""
    return sorted(_EXPORTERS)



from . import user_functions  # noqa: E402,F401  (registers the exporter of Python user functions)
