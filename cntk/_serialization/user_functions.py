"""Python user functions in CNTK model files: the ``UserDefinedFunction`` record, written and read.

CNTK stores a user function as its own record (not a primitive): its uid, name, input uids,
``native: False`` and ``user_defined_state``, a dictionary of the class name, its module, the op
name and what the instance's ``serialize()`` returned. Files written here load in CNTK 2.7 and
the other way round.

Loading never imports or runs code named by the file. A user function is re-created by the
factory registered for its op name (`Function.register_udf_deserialize_callback`), else by the
``deserialize`` of a `UserFunction` subclass that this process has already defined, i.e. that
the user imported; otherwise loading fails with an error naming the class and both remedies.
"""
from __future__ import annotations

import re
from typing import Any, List

import numpy as np

from .._graph.user_function import (USER_FUNCTION_OP, UserFunction, deserialize_callback, known_subclass,
                                    owner_instance, user_function)
from .._graph.function import Function
from .._graph.variable import Variable
from .errors import ModelFileError
from .export_ops import Lower, exporter
from .values import Int32
from .writer import SaveError

USER_DEFINED_FUNCTION = "UserDefinedFunction"
RECORD_VERSION = 0


def is_user_function_record(rec: dict) -> bool:
    """Whether a function record of a model file is a user-defined function."""
    return rec.get("type") == USER_DEFINED_FUNCTION


def _storable(value: Any, where: str) -> Any:
    """A user's state as values a CNTK dictionary holds (negative ints as 32-bit, tuples as lists)."""
    if isinstance(value, dict):
        return {str(k): _storable(v, where) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_storable(v, where) for v in value]
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) and value < 0:
        if value < -2 ** 31:
            raise SaveError("%s: the state holds the integer %d, which CNTK cannot store" % (where, value))
        return Int32(int(value))
    if isinstance(value, np.ndarray) and value.dtype not in (np.float16, np.float32, np.float64):
        raise SaveError("%s: the state holds an array of dtype %s; CNTK stores float arrays only" % (where, value.dtype))
    return value


@exporter(USER_FUNCTION_OP)
def _export_user_function(L: Lower) -> None:
    fn = L.fn
    udf = owner_instance(fn)
    where = "Function.save: user function %s ('%s')" % (udf.op_name, fn.name or fn.uid)
    state = _storable(fn.serialize(), where)
    L.w.functions.append({"type": USER_DEFINED_FUNCTION, "version": RECORD_VERSION, "uid": fn.uid, "name": fn.name,
                          "inputs": list(L.args), "native": False, "user_defined_state": state})


def output_count(model: dict, uid: str) -> int:
    """How many outputs of the user function ``uid`` the file uses (at least one)."""
    pattern = re.compile(r"^%s_Output_(\d+)$" % re.escape(uid))
    refs: List[str] = [rec.get("uid", "") for rec in model.get("inputs", []) if isinstance(rec, dict)]
    for rec in model.get("primitive_functions", []):
        if isinstance(rec, dict):
            refs += [r for r in rec.get("inputs", []) if isinstance(r, str)]
            refs += [r for r in rec.get("block_function_composite_arguments_map_values", []) if isinstance(r, str)]
    indices = [int(m.group(1)) for m in (pattern.match(r) for r in refs) if m]
    return max(indices) + 1 if indices else 1


def rebuild_user_function(rec: dict, operands: List[Variable], name: str, uid: str, where: str) -> Function:
    """The graph node of a stored user function, re-created by a registered factory or by the
    ``deserialize`` of a subclass the user has imported (nothing from the file is executed)."""
    if rec.get("native"):
        raise NotImplementedError("%s is a native (C++) user function, which cntk-torch cannot load" % where)
    stored = rec.get("user_defined_state")
    if not isinstance(stored, dict):
        raise ModelFileError("%s: the user function has no 'user_defined_state' dictionary" % where)
    class_name, module, op_name = stored.get("class"), stored.get("module"), stored.get("op_name")
    if not all(isinstance(x, str) for x in (class_name, module, op_name)):
        raise ModelFileError("%s: the user function's class, module or op name is missing" % where)
    factory = deserialize_callback(op_name)
    if factory is None:
        cls = known_subclass(module, class_name)
        if cls is None:
            raise ModelFileError(
                "%s uses the Python user function %s.%s (op name '%s'), which is not defined in this process. "
                "cntk-torch never imports code named in a model file: import the module defining %s before loading, "
                "or register a factory with Function.register_udf_deserialize_callback('%s', factory)"
                % (where, module, class_name, op_name, class_name, op_name))
        factory = cls.deserialize
    try:
        udf = factory(list(operands), name, stored.get("state"))
    except Exception as err:
        raise RuntimeError("%s: re-creating the user function %s.%s failed: %s: %s"
                           % (where, module, class_name, type(err).__name__, err)) from err
    if not isinstance(udf, UserFunction):
        raise RuntimeError("%s: the factory of the user function %s.%s returned %r, not a UserFunction"
                           % (where, module, class_name, udf))
    node = user_function(udf)
    node._uid = uid
    for k, out in enumerate(node._outputs):
        out._uid = "%s_Output_%d" % (uid, k)
    return node
