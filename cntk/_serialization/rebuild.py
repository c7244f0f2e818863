"""Rebuilding a graph of this package's Functions from a decoded CNTK v2 model dictionary.

The file holds every leaf variable (``inputs``) and a flat, unordered list of primitive functions
whose operands are uids: a leaf's uid or ``<function uid>_Output_<k>``. Recurrences are real cycles
through PastValue/FutureValue, and blocks name their internal root in the same list. Functions are
built depth first from the root; an operand whose producer is still being built (a cycle) becomes a
temporary placeholder, typed from the file's forward declaration when there is one, and is rebound
to the real output once everything exists. Output types are then inferred, as CNTK does on load.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from .._graph.function import Function
from .._graph.variable import Constant, Parameter, Variable, VariableKind, new_uid
from .errors import ModelFileError
from .writer import CUSTOM_ATTRIBUTES
from .import_ops import CNTK_DTYPES, ImportCall, dynamic_axes, numpy_shape, translate
from .opcodes import OP_NAMES, describe_op
from .uids import reserve_uid

OUTPUT_REF = re.compile(r"^(.*)_Output_(\d+)$")
_BLOCK, _COMBINE = 57, 44
USER_DEFINED_FUNCTION = "UserDefinedFunction"  # the record type of Python user functions (`user_functions`)
_IN_PROGRESS = object()


class GraphBuilder:
    """Builds the Function of one decoded model dictionary (see the module docstring)."""

    def __init__(self, model: dict, source: str) -> None:
        self.source = source
        self.model = model
        self.records: Dict[str, dict] = {}        # function uid -> record
        self.order: List[str] = []
        self.leaf_records: Dict[str, dict] = {}   # variable uid -> record (declarations included)
        self.leaves: Dict[str, Variable] = {}
        self.built: Dict[str, Any] = {}
        self.temps: List[Tuple[Variable, str, int]] = []
        self._temp_by_ref: Dict[str, Variable] = {}
        self._num_outputs: Dict[str, int] = {}

    # --- entry point ------------------------------------------------------------------------------------
    def build(self) -> Function:
        """The model's root Function, with names, uids, values and argument order restored."""
        self._index()
        root_uid = self._text(self.model, "root", "the model")
        if root_uid not in self.records:
            raise self._error("the root '%s' is not among the model's functions" % root_uid)
        self._make_leaves()
        self._build_from(root_uid)
        root = self.built[root_uid]
        self._close_cycles(root)
        self._simplify_reconciles(root)
        self._set_argument_order(root, root_uid)
        custom = (self.records[root_uid].get("attributes") or {}).get(CUSTOM_ATTRIBUTES)
        if isinstance(custom, dict):
            root.custom_attributes = custom
        return root

    # --- indexing -----------------------------------------------------------------------------------------
    def _index(self) -> None:
        funcs = self.model.get("primitive_functions")
        leaves = self.model.get("inputs")
        if not isinstance(funcs, list) or not isinstance(leaves, list):
            raise self._error("the model lacks its 'primitive_functions' or 'inputs' list")
        for k, rec in enumerate(leaves):
            if not isinstance(rec, dict):
                raise self._error("entry %d of 'inputs' is not a dictionary" % k)
            uid = self._text(rec, "uid", "entry %d of 'inputs'" % k)
            self.leaf_records[uid] = rec
        for k, rec in enumerate(funcs):
            if not isinstance(rec, dict):
                raise self._error("entry %d of 'primitive_functions' is not a dictionary" % k)
            uid = self._text(rec, "uid", "entry %d of 'primitive_functions'" % k)
            if uid in self.records:
                raise self._error("two functions have the uid '%s'" % uid)
            self.records[uid] = rec
            self.order.append(uid)

    def _is_declaration(self, uid: str) -> bool:
        m = OUTPUT_REF.match(uid)
        return bool(m) and m.group(1) in self.records

    # --- leaves ----------------------------------------------------------------------------------------------
    def _make_leaves(self) -> None:
        for uid, rec in self.leaf_records.items():
            if self._is_declaration(uid):
                continue
            self.leaves[uid] = self._make_leaf(uid, rec)
            reserve_uid(uid)
        for uid in self.records:
            reserve_uid(uid)

    def _leaf_type(self, uid: str, rec: dict) -> Tuple[tuple, Any, tuple]:
        what = "variable '%s'" % uid
        shape = rec.get("shape", ())
        if not isinstance(shape, tuple):
            raise self._error("%s: 'shape' is not a shape (%r)" % (what, shape))
        code = rec.get("data_type", 1)
        if code not in CNTK_DTYPES:
            raise self._error("%s: data type %r is not float16/32/64 (codes 4, 1, 2)" % (what, code))
        axes_rec = rec.get("dynamic_axis", [])
        if not isinstance(axes_rec, list) or not all(hasattr(a, "is_ordered_dynamic_axis") for a in axes_rec):
            raise self._error("%s: 'dynamic_axis' is not a list of axes" % what)
        return numpy_shape(shape), CNTK_DTYPES[code], dynamic_axes(axes_rec)

    def _make_leaf(self, uid: str, rec: dict) -> Variable:
        what = "variable '%s'" % uid
        kind = rec.get("kind")
        name = rec.get("name", "") or ""
        if not isinstance(name, str):
            raise self._error("%s: 'name' is not a string" % what)
        shape, dtype, axes = self._leaf_type(uid, rec)
        if kind in (VariableKind.Parameter, VariableKind.Constant):
            value = rec.get("value")
            if not isinstance(value, np.ndarray):
                raise self._error("%s (%s '%s') has no stored value" % (what, VariableKind(kind).name, name))
            if tuple(value.shape) != shape:
                raise self._error("%s ('%s'): the value has shape %s, the declared shape is %s"
                                  % (what, name, tuple(value.shape), shape))
            value = value.astype(dtype, copy=False)
            if kind == VariableKind.Parameter:
                v: Variable = Parameter(init=value, dtype=dtype, name=name)
            else:
                v = Constant(value, dtype=dtype, name=name)
            v._uid = uid
            return v
        if kind == VariableKind.Input:
            return Variable(shape, dtype, bool(rec.get("needs_gradient", False)), bool(rec.get("is_sparse", False)),
                            axes, name, VariableKind.Input, uid=uid)
        if kind == VariableKind.Placeholder:
            return Variable(shape, dtype, False, False, axes, name, VariableKind.Placeholder, uid=uid)
        raise self._error("%s has the unknown kind %r (0 input, 2 parameter, 3 constant, 4 placeholder)" % (what, kind))

    # --- functions -------------------------------------------------------------------------------------------
    def _num_outputs_of(self, uid: str, seen: Optional[set] = None) -> int:
        if uid in self._num_outputs:
            return self._num_outputs[uid]
        seen = set() if seen is None else seen
        if uid in seen:
            raise self._error("function '%s': blocks name each other as their roots in a cycle" % uid)
        seen.add(uid)
        rec = self.records[uid]
        op = rec.get("op")
        if rec.get("type") == USER_DEFINED_FUNCTION:
            from .user_functions import output_count
            n = output_count(self.model, uid)
        elif op == _BLOCK:
            root = self._block_root_uid(uid, rec)
            n = self._num_outputs_of(root, seen)
        elif op == _COMBINE:
            n = len(self._input_refs(uid, rec))
        elif op == 72:          # UnpackSequence: the mask output unless suppressed
            n = 1 if (rec.get("attributes") or {}).get("sequenceUnpackSuppressMaskOutput", False) else 2
        elif op == 87:          # TopK: values and indices
            n = 2
        else:
            n = 1
        self._num_outputs[uid] = n
        return n

    def _block_root_uid(self, uid: str, rec: dict) -> str:
        comp = rec.get("block_function_composite")
        if not isinstance(comp, dict):
            raise self._error("block '%s' has no 'block_function_composite' dictionary" % uid)
        root = self._text(comp, "root", "block '%s'" % uid)
        if root not in self.records:
            raise self._error("block '%s': its root '%s' is not among the model's functions" % (uid, root))
        return root

    def _input_refs(self, uid: str, rec: dict) -> List[str]:
        refs = rec.get("inputs", [])
        if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
            raise self._error("function '%s': 'inputs' is not a list of uids" % uid)
        return refs

    def _deps(self, uid: str, rec: dict) -> List[str]:
        refs = list(self._input_refs(uid, rec))
        out = []
        if rec.get("op") == _BLOCK:
            out.append(self._block_root_uid(uid, rec))
            refs += self._block_values(uid, rec)
        for r in refs:
            m = OUTPUT_REF.match(r)
            if m and m.group(1) in self.records:
                out.append(m.group(1))
        return out

    def _block_values(self, uid: str, rec: dict) -> List[str]:
        keys = rec.get("block_function_composite_arguments_map_keys", [])
        values = rec.get("block_function_composite_arguments_map_values", [])
        if not isinstance(keys, list) or not isinstance(values, list) or len(keys) != len(values):
            raise self._error("block '%s': the argument map keys and values do not pair up" % uid)
        if not all(isinstance(x, str) for x in keys + values):
            raise self._error("block '%s': the argument map holds non-string uids" % uid)
        return values

    def _build_from(self, root_uid: str) -> None:
        stack = [root_uid]
        state: Dict[str, Any] = {}
        while stack:
            uid = stack[-1]
            if uid in self.built:
                stack.pop()
                continue
            rec = self.records[uid]
            state[uid] = _IN_PROGRESS
            pending = [d for d in self._deps(uid, rec) if d not in self.built and state.get(d) is not _IN_PROGRESS]
            if pending:
                stack.append(pending[0])
                continue
            self.built[uid] = self._make_function(uid, rec)
            stack.pop()

    def _ref(self, ref: str, user: str) -> Variable:
        m = OUTPUT_REF.match(ref)
        if m and m.group(1) in self.records:
            producer, k = m.group(1), int(m.group(2))
            n = self._num_outputs_of(producer)
            if k >= n:
                raise self._error("function '%s' uses output %d of '%s', which has %d output(s)" % (user, k, producer, n))
            fn = self.built.get(producer)
            if fn is not None:
                return fn.outputs[k]
            return self._temp(ref, producer, k)
        if ref in self.leaves:
            return self.leaves[ref]
        raise self._error("function '%s' refers to '%s', which is neither a variable nor a function output of the file"
                          % (user, ref))

    def _temp(self, ref: str, producer: str, k: int) -> Variable:
        """A placeholder standing for an output that is still being built (a recurrence)."""
        t = self._temp_by_ref.get(ref)
        if t is None:
            decl = self.leaf_records.get(ref)
            if decl is not None:
                shape, dtype, axes = self._leaf_type(ref, decl)
                t = Variable(shape, dtype, False, False, axes, decl.get("name", "") or "", VariableKind.Placeholder,
                             uid=new_uid("Placeholder"))
            else:
                t = Variable(None, None, kind=VariableKind.Placeholder, uid=new_uid("Placeholder"))
            self._temp_by_ref[ref] = t
            self.temps.append((t, producer, k))
        return t

    def _make_function(self, uid: str, rec: dict) -> Function:
        code = rec.get("op")
        name = rec.get("name", "") or ""
        is_udf = rec.get("type") == USER_DEFINED_FUNCTION
        if not (isinstance(code, int) or is_udf) or not isinstance(name, str):
            raise self._error("function '%s': 'op' or 'name' has the wrong type" % uid)
        where = "%s, function '%s'%s" % (self.source, uid, (" ('%s')" % name) if name else "")
        if is_udf:
            from .user_functions import rebuild_user_function
            return rebuild_user_function(rec, [self._ref(r, uid) for r in self._input_refs(uid, rec)], name, uid, where)
        if code == _BLOCK:
            return self._make_block(uid, rec, name, where)
        op = OP_NAMES.get(code)
        if op is None or code > 97:
            raise NotImplementedError("%s uses %s, which cntk-torch cannot load" % (where, describe_op(code)))
        attrs = rec.get("attributes", {})
        if not isinstance(attrs, dict):
            raise self._error("function '%s': 'attributes' is not a dictionary" % uid)
        operands = [self._ref(r, uid) for r in self._input_refs(uid, rec)]
        try:
            spec = translate(ImportCall(op, rec, operands, where))
        except NotImplementedError as err:
            if "not implemented in cntk-torch" in str(err):
                raise NotImplementedError("%s uses %s, which cntk-torch does not implement" % (where, describe_op(code)))
            raise
        try:
            return Function(spec.op_name, spec.operands, spec.attributes, name, spec.num_outputs, uid=uid)
        except (ValueError, TypeError) as err:
            raise ModelFileError("%s (%s): %s" % (where, op, err)) from None

    def _make_block(self, uid: str, rec: dict, name: str, where: str) -> Function:
        op_name = rec.get("block_function_op_name", "")
        if not isinstance(op_name, str) or not op_name:
            raise self._error("block '%s' has no 'block_function_op_name'" % uid)
        root = self.built.get(self._block_root_uid(uid, rec))
        if root is None:
            raise self._error("block '%s': its root is part of a cycle through blocks" % uid)
        keys = rec.get("block_function_composite_arguments_map_keys", [])
        values = self._block_values(uid, rec)
        mapping = []
        for k, v in zip(keys, values):
            inner = self.leaves.get(k)
            if inner is None or not inner.is_placeholder:
                raise self._error("block '%s': the argument '%s' is not a placeholder of the file" % (uid, k))
            mapping.append((inner, self._ref(v, uid)))
        attrs = rec.get("attributes", {})
        attributes = {"cntk_attributes": dict(attrs)} if isinstance(attrs, dict) and attrs else {}
        try:
            return Function(op_name, [outer for _, outer in mapping], attributes, name, uid=uid, block_root=root,
                            block_mapping=mapping)
        except (ValueError, TypeError) as err:
            raise ModelFileError("%s (block %s): %s" % (where, op_name, err)) from None

    # --- finishing ------------------------------------------------------------------------------------------------
    def _close_cycles(self, root: Function) -> None:
        """Rebind the temporary placeholders of recurrences to the outputs they stand for."""
        if not self.temps:
            return
        from .._graph.cloning import replace_inputs_in_place
        subs = {t: self.built[producer].outputs[k] for t, producer, k in self.temps}
        try:
            replace_inputs_in_place(root, subs)
        except (ValueError, TypeError) as err:
            raise ModelFileError("%s: closing the recurrence loops failed: %s" % (self.source, err)) from None

    def _simplify_reconciles(self, root: Function) -> None:
        """A ReconcileDynamicAxis whose operand already has the reference's dynamic axes is the identity;
        run it as a NoOp (the engine does not run ReconcileDynamicAxis inside recurrence loops).
        Saving writes it back as ReconcileDynamicAxis."""
        from .._graph.traversal import reachable_functions
        for fn in reachable_functions([root], into_blocks=True):
            if fn.op_name != "ReconcileDynamicAxis" or len(fn._inputs) != 2:
                continue
            x, like = fn._inputs
            if x._dynamic_axes is not None and x._dynamic_axes == like._dynamic_axes and x._dynamic_axes:
                fn._op_name = "NoOp"
                fn._attributes["cntk_op"] = "ReconcileDynamicAxis"

    def _set_argument_order(self, root: Function, root_uid: str) -> None:
        """CNTK lists a loaded model's arguments in a depth-first pre-order walk of the stored graph with
        the operands of Times/TransposeTimes in Python order and each block seen as one node whose
        operands are its stored inputs (not the walk it uses for parameters)."""
        order: List[Variable] = []
        seen: set = set()
        stack = [root_uid]
        while stack:
            ref = stack.pop()
            if ref in seen:
                continue
            seen.add(ref)
            m = OUTPUT_REF.match(ref)
            if ref in self.records or (m and m.group(1) in self.records):
                uid = ref if ref in self.records else m.group(1)
                if uid != ref:
                    stack.append(uid)
                    continue
                rec = self.records[uid]
                refs = list(self._input_refs(uid, rec))
                if rec.get("op") in (31, 32) and len(refs) == 2:
                    refs.reverse()
                stack.extend(reversed(refs))
            elif ref in self.leaves and self.leaves[ref].is_input:
                order.append(self.leaves[ref])
        found = root.arguments
        if len(order) == len(found) and [id(v) for v in found] != [id(v) for v in order]:
            root._arg_order = order

    # --- helpers ----------------------------------------------------------------------------------------------------
    def _text(self, rec: dict, key: str, what: str) -> str:
        v = rec.get(key)
        if not isinstance(v, str) or not v:
            raise self._error("%s has no '%s' string" % (what, key))
        return v

    def _error(self, message: str) -> ModelFileError:
        return ModelFileError("%s: %s" % (self.source, message))

