"""`ModelFormat.ONNX` in `Function.save` and `cntk.load_model` (needs the optional ``onnx`` extra).

Export: see `onnx_export`. Import builds this package's ops from an ONNX graph; it covers
feed-forward graphs of the common element-wise and matrix ops (what CNTK 2.7 and cntk-torch export
for dense layers), with the first dimension of each graph input taken as the batch axis. Recurrent
ONNX ops (LSTM, GRU, RNN, Scan, Loop) are not imported yet: the error names the op.
"""
from __future__ import annotations

from typing import Any, Dict, List

import numpy as np

from .errors import ModelFileError


def save_onnx(function: Any, filename: Any) -> None:
    """Write ``function`` in ONNX format (dynamic batch and sequence axes)."""
    from .onnx_export import save_onnx as export
    export(function, filename)


def _require_onnx():
    try:
        import onnx  # noqa: F401
        from onnx import numpy_helper  # noqa: F401
    except ImportError:
        raise NotImplementedError("cntk.load_model(format=ModelFormat.ONNX) needs the 'onnx' package: "
                                  "pip install 'cntk-torch[onnx]'") from None
    return onnx


_ONNX_DTYPES = {1: np.float32, 11: np.float64, 10: np.float16}


def load_onnx(model: Any):
    """A Function for an ONNX model file or buffer (feed-forward graphs; see the module docstring)."""
    onnx = _require_onnx()
    from onnx import numpy_helper
    from .model_io import read_source
    data, source = read_source(model)
    try:
        proto = onnx.load_from_string(data)
    except Exception as err:  # the onnx package's parser: any failure means not ONNX
        raise ModelFileError("%s is not a valid ONNX model: %s" % (source, err)) from None
    g = proto.graph
    if proto.ir_version <= 0 or not g.node or not g.output:
        raise ModelFileError("%s is not a valid ONNX model: it has no graph (ir_version %d, %d nodes)"
                             % (source, proto.ir_version, len(g.node)))
    try:
        return _build(onnx, numpy_helper, g, source)
    except (KeyError, IndexError, TypeError) as err:
        raise ModelFileError("%s: the ONNX graph is inconsistent: %s: %s" % (source, type(err).__name__, err)) from None


def _build(onnx: Any, numpy_helper: Any, g: Any, source: str):
    from .. import ops as C_ops
    from .._graph.variable import Constant, Parameter, input_variable
    values: Dict[str, Any] = {}
    initializers = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    for name, arr in initializers.items():
        values[name] = Parameter(init=np.array(arr), dtype=arr.dtype if arr.dtype in (np.float16, np.float32, np.float64)
                                 else np.float32, name=name)
    arguments = []
    for inp in g.input:
        if inp.name in initializers:
            continue
        tt = inp.type.tensor_type
        dtype = _ONNX_DTYPES.get(tt.elem_type)
        if dtype is None:
            raise NotImplementedError("%s: ONNX input '%s' has element type %d (only float inputs are supported)"
                                      % (source, inp.name, tt.elem_type))
        dims = [d.dim_value if d.dim_value else -1 for d in tt.shape.dim]
        if len(dims) < 1:
            raise NotImplementedError("%s: ONNX input '%s' has no batch dimension" % (source, inp.name))
        v = input_variable(tuple(dims[1:]), dtype=dtype, name=inp.name)
        values[inp.name] = v
        arguments.append(v)
    for node in g.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        ins = [values[i] for i in node.input if i]
        out = _translate(node.op_type, ins, attrs, node, source, C_ops, Constant, numpy_helper)
        values[node.output[0]] = out
    outputs = [values[o.name] for o in g.output]
    result = C_ops.combine(outputs) if len(outputs) > 1 else outputs[0]
    result = result if hasattr(result, "outputs") else C_ops.combine([result])
    result._arg_order = arguments
    return result


def _translate(op: str, ins: List[Any], attrs: dict, node: Any, source: str, C: Any, Constant: Any, numpy_helper: Any):
    where = "%s: ONNX node '%s' (%s)" % (source, node.name or node.output[0], op)
    unary = {"Relu": C.relu, "Tanh": C.tanh, "Sigmoid": C.sigmoid, "Exp": C.exp, "Log": C.log, "Neg": C.negate,
             "Abs": C.abs, "Sqrt": C.sqrt, "Reciprocal": C.reciprocal, "Floor": C.floor, "Identity": C.alias}
    binary = {"Add": C.plus, "Sub": C.minus, "Mul": C.element_times, "Div": C.element_divide}
    if op in unary:
        return unary[op](ins[0])
    if op in binary:
        return binary[op](ins[0], ins[1])
    if op == "MatMul":
        return C.times(ins[0], ins[1])
    if op == "Gemm":
        if attrs.get("transA", 0) or attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0:
            raise NotImplementedError("%s: Gemm with transA/alpha/beta" % where)
        w = C.transpose(ins[1]) if attrs.get("transB", 0) else ins[1]
        y = C.times(ins[0], w)
        return C.plus(y, ins[2]) if len(ins) > 2 else y
    if op == "Cast":
        dtype = _ONNX_DTYPES.get(attrs["to"])
        if dtype is None:
            raise NotImplementedError("%s: Cast to ONNX type %d" % (where, attrs["to"]))
        return C.cast(ins[0], dtype)
    if op == "Softmax" and attrs.get("axis", -1) in (-1, 1):
        return C.softmax(ins[0])
    if op == "Constant":
        arr = numpy_helper.to_array(attrs["value"])
        return Constant(arr.astype(arr.dtype if arr.dtype.kind == "f" else np.float32))
    raise NotImplementedError("%s: importing the ONNX op %s is not supported yet" % (where, op))
