"""From a graph of this package's Functions to CNTK's v2 model dictionary (what `Function.save` writes).

Every Function becomes one CNTK record with the same uid, so ``<uid>_Output_<k>`` names its outputs
in the file. Ops CNTK stores differently are lowered by `export_ops` into CNTK primitives (inside a
block named as CNTK names it, e.g. ``Sequence::Slice``). Records are written in dependency order;
an operand whose producer comes later (a recurrence) gets a forward declaration in the variable
list, as CNTK writes it.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .._graph.function import Function
from .._graph.variable import Variable, VariableKind, new_uid
from .import_ops import ALL_AXES_INDEX, ALL_STATIC_AXES_INDEX
from .opcodes import OP_CODES
from .values import AxisRecord, DATA_TYPE_CODES, DYNAMIC_AXIS_INDEX, FREE_DIM, INFERRED_DIM, Shape

FUNCTION_VERSION = 24
COMPOSITE_VERSION = 3
VARIABLE_VERSION = 1


class SaveError(ValueError):
    """The graph cannot be written in CNTK's format (the message names the function or variable)."""


def cntk_dims(shape: Sequence[int], what: str) -> Shape:
    """A numpy-order shape as stored dims (CNTK order; -1 inferred, -3 free)."""
    dims = []
    for d in reversed(tuple(shape)):
        if d == -1:
            dims.append(INFERRED_DIM)
        elif d == -3:
            dims.append(FREE_DIM)
        elif d < 0:
            raise SaveError("%s has the dimension %d, which CNTK cannot store" % (what, d))
        else:
            dims.append(int(d))
    return Shape(dims)


def static_axis_record(index: int) -> AxisRecord:
    """A static axis as CNTK stores it (index counted from the column-major end)."""
    return AxisRecord(int(index), "staticAxisIdx=%d" % index, True)


def all_static_axes_record() -> AxisRecord:
    """CNTK's sentinel for every static axis."""
    return AxisRecord(ALL_STATIC_AXES_INDEX, "AllStaticAxes", False)


def all_axes_record() -> AxisRecord:
    """CNTK's sentinel for every axis, dynamic ones included."""
    return AxisRecord(ALL_AXES_INDEX, "AllAxes", False)


def dynamic_axis_records(axes: Sequence[Any]) -> List[AxisRecord]:
    """Dynamic axes in CNTK's stored order (sequence axis first, then batch)."""
    return [AxisRecord(DYNAMIC_AXIS_INDEX, a.name, bool(a.is_sequence_axis)) for a in reversed(tuple(axes))]


def dtype_code(dtype: Any, what: str) -> int:
    """CNTK's data type code of a numpy float type."""
    code = DATA_TYPE_CODES.get(np.dtype(dtype or np.float32))
    if code is None:
        raise SaveError("%s has dtype %s, which CNTK cannot store" % (what, dtype))
    return code


def label(v: Variable) -> str:
    """How error messages name a variable."""
    return "%s '%s'" % (v.kind.name.lower(), v.name or v.uid)


class RecordWriter:
    """Collects the variable and function records of one model."""

    def __init__(self) -> None:
        self.variables: Dict[str, dict] = {}
        self.functions: List[dict] = []
        self.output_types: Dict[str, Variable] = {}     # output uid -> the Variable (for declarations)
        self._captures: List[List[str]] = []

    # --- variables -----------------------------------------------------------------------------------
    def ref(self, v: Variable) -> str:
        """The uid by which the file refers to ``v`` (registering leaves as variable records)."""
        v = through_combines(v)
        if v.owner is not None:
            self.output_types[v.uid] = v
            return v.uid
        if v.uid not in self.variables:
            self.variables[v.uid] = self._variable_record(v)
        for capture in self._captures:
            capture.append(v.uid)
        return v.uid

    def _variable_record(self, v: Variable) -> dict:
        what = label(v)
        if v._shape is None:
            raise SaveError("%s has no known shape; bind the function to typed inputs before saving" % what)
        rec: dict = {"type": "Variable", "version": VARIABLE_VERSION, "uid": v.uid, "kind": int(v.kind)}
        if v.name:
            rec["name"] = v.name
        rec["shape"] = cntk_dims(v._shape, what)
        rec["data_type"] = dtype_code(v._dtype, what)
        rec["dynamic_axis"] = dynamic_axis_records(v._dynamic_axes or ())
        rec["is_sparse"] = bool(v.is_sparse)
        rec["needs_gradient"] = bool(v.needs_gradient)
        if v.is_parameter or v.is_constant:
            if getattr(v, "_tensor", None) is None:
                raise SaveError("%s has inferred dimensions %s and no value yet; bind the function to inputs before saving"
                                % (what, v._shape))
            rec["value"] = np.array(v.value, order="C")
        return rec

    def constant(self, value: Any, dtype: Any) -> str:
        """A new constant (created by lowering) and its uid."""
        arr = np.asarray(value, dtype=np.dtype(dtype or np.float32))
        uid = new_uid("Constant")
        self.variables[uid] = {"type": "Variable", "version": VARIABLE_VERSION, "uid": uid,
                               "kind": int(VariableKind.Constant), "shape": Shape(reversed(arr.shape)),
                               "data_type": dtype_code(arr.dtype, "constant"), "dynamic_axis": [], "is_sparse": False,
                               "needs_gradient": False, "value": arr}
        for capture in self._captures:
            capture.append(uid)
        return uid

    def placeholder(self, like: Variable, name: str = "") -> str:
        """A new placeholder with the type of ``like`` (a block argument created by lowering)."""
        uid = new_uid("Placeholder")
        what = "the placeholder standing for %s" % label(like)
        if like._shape is None:
            raise SaveError("%s has no known shape" % what)
        rec = {"type": "Variable", "version": VARIABLE_VERSION, "uid": uid, "kind": int(VariableKind.Placeholder),
               "shape": cntk_dims(like._shape, what), "data_type": dtype_code(like._dtype, what),
               "dynamic_axis": dynamic_axis_records(like._dynamic_axes or ()), "is_sparse": bool(like.is_sparse),
               "needs_gradient": False}
        if name:
            rec["name"] = name
        self.variables[uid] = rec
        return uid

    def declaration(self, out: Variable) -> None:
        """A forward declaration of a function output used before its producer is written."""
        if out.uid in self.variables:
            return
        what = "output '%s'" % out.uid
        if out._shape is None:
            raise SaveError("%s (used inside a recurrence) has no known shape" % what)
        rec = {"type": "Variable", "version": VARIABLE_VERSION, "uid": out.uid, "kind": int(VariableKind.Placeholder),
               "shape": cntk_dims(out._shape, what), "data_type": dtype_code(out._dtype, what),
               "dynamic_axis": dynamic_axis_records(out._dynamic_axes or ()), "is_sparse": False,
               "needs_gradient": False}
        if out.name:
            rec["name"] = out.name
        self.variables[out.uid] = rec

    # --- functions -------------------------------------------------------------------------------------
    def primitive(self, op: str, inputs: Sequence[str], attributes: Optional[dict] = None, name: str = "",
                  uid: Optional[str] = None) -> str:
        """Append a primitive record; returns its uid."""
        code = OP_CODES[op]
        uid = uid or new_uid(op)
        rec: dict = {"type": "PrimitiveFunction", "version": FUNCTION_VERSION, "uid": uid, "op": code}
        if name:
            rec["name"] = name
        rec["inputs"] = list(inputs)
        rec["attributes"] = dict(attributes or {})
        self.functions.append(rec)
        return uid

    def block(self, op_name: str, root_uid: str, mapping: Sequence[Tuple[str, str]], inputs: Sequence[str],
              attributes: Optional[dict] = None, name: str = "", uid: Optional[str] = None) -> str:
        """Append a block record (its internal records must already be written); returns its uid."""
        uid = uid or new_uid("Block")
        rec: dict = {"type": "PrimitiveFunction", "version": FUNCTION_VERSION, "uid": uid, "op": OP_CODES["Block"]}
        if name:
            rec["name"] = name
        rec["inputs"] = list(inputs)
        rec["attributes"] = dict(attributes or {})
        rec["block_function_composite"] = {"type": "CompositeFunction", "version": COMPOSITE_VERSION,
                                           "uid": new_uid("CompositeFunction"), "root": root_uid}
        rec["block_function_op_name"] = op_name
        rec["block_function_composite_arguments_map_keys"] = [k for k, _ in mapping]
        rec["block_function_composite_arguments_map_values"] = [v for _, v in mapping]
        self.functions.append(rec)
        return uid

    def capture(self, body: Callable[[], Any]) -> Tuple[Any, List[str]]:
        """Run ``body`` and also return the leaf uids it referenced (for a block's input list)."""
        self._captures.append([])
        try:
            result = body()
        finally:
            leaves = self._captures.pop()
        return result, leaves

    # --- finishing ---------------------------------------------------------------------------------------
    def add_forward_declarations(self) -> None:
        """Declare every function output that is used before the record producing it."""
        written: set = set()
        for rec in self.functions:
            refs = list(rec["inputs"]) + list(rec.get("block_function_composite_arguments_map_values", []))
            for r in refs:
                producer = r.rsplit("_Output_", 1)[0] if "_Output_" in r else None
                if producer is not None and producer not in written and r in self.output_types:
                    self.declaration(self.output_types[r])
            written.add(rec["uid"])


CUSTOM_ATTRIBUTES = "customAttributes"  # where CNTK keeps a model's user attributes: on its root op


def model_dictionary(root: Function) -> dict:
    """The CNTK v2 model dictionary of ``root``'s graph."""
    from .export_ops import export_function
    writer = RecordWriter()
    for fn in _dependency_order(root):
        export_function(writer, fn)
    writer.add_forward_declarations()
    model: dict = {"type": "CompositeFunction", "version": COMPOSITE_VERSION, "uid": new_uid("CompositeFunction")}
    if root.name:
        model["name"] = root.name
    model["root"] = root.uid
    if root.custom_attributes:
        for rec in writer.functions:
            if rec.get("uid") == root.uid:
                rec.setdefault("attributes", {})[CUSTOM_ATTRIBUTES] = dict(root.custom_attributes)
    model["inputs"] = list(writer.variables.values())
    model["primitive_functions"] = writer.functions
    return model


def _dependency_order(root: Function) -> List[Function]:
    """Every function of the graph (block internals included), each after the functions it needs,
    except along recurrence cycles (whose back edges become forward declarations)."""
    order: List[Function] = []
    done: set = set()
    active: set = set()
    stack: List[Tuple[Function, int]] = [(root, 0)]
    deps_of: Dict[int, List[Function]] = {}
    while stack:
        fn, i = stack.pop()
        if id(fn) in done:
            continue
        deps = deps_of.get(id(fn))
        if deps is None:
            deps = deps_of[id(fn)] = _dependencies(fn)
            active.add(id(fn))
        while i < len(deps) and (id(deps[i]) in done or id(deps[i]) in active):
            i += 1
        if i < len(deps):
            stack.append((fn, i + 1))
            stack.append((deps[i], 0))
            continue
        active.discard(id(fn))
        done.add(id(fn))
        order.append(fn)
    return order


def _dependencies(fn: Function) -> List[Function]:
    variables = list(fn._inputs)
    out: List[Function] = []
    if fn.is_block:
        out.append(fn._block_root)
        variables = [outer for _, outer in fn._block_mapping] + variables
    for v in variables:
        v = through_combines(v)
        if v.owner is not None:
            out.append(v.owner)
    return out


def through_combines(v: Variable) -> Variable:
    """The variable a Combine output stands for: in CNTK a Combine's outputs are its inputs, so files
    refer to those (a Combine is only written as a model's or a block's root). A named Combine of one
    input is kept: it is written as a NoOp carrying the name (CNTK's way of naming a layer's output)."""
    seen = 0
    while v.owner is not None and v.owner.op_name == "Combine" and not v.owner.is_block and seen < 10000:
        if is_named_alias(v.owner):
            break
        v = v.owner._inputs[v._output_index]
        seen += 1
    return v


def is_named_alias(fn: Function) -> bool:
    """A Combine of a single input that carries a name (written as a named NoOp)."""
    return fn.op_name == "Combine" and bool(fn.name) and len(fn._inputs) == 1
