"""Turning type annotations (shapes or `cntk.layers.typing` types) into input variables."""
from __future__ import annotations

from typing import Any, Dict

from .axis import Axis
from .variable import Variable, input_variable


def variable_for_type(arg: Variable, type_: Any) -> Variable:
    """An input variable of the given type, named after the argument it replaces."""
    if isinstance(type_, Variable):
        return type_
    make = getattr(type_, "_make_variable", None)
    if make is not None:
        return make(arg.name)
    return input_variable(type_, name=arg.name, dynamic_axes=[Axis.default_batch_axis()])


def variables_for_types(arg_map: Dict[Variable, Any]) -> Dict[Variable, Variable]:
    """Replacement inputs for each placeholder argument in ``arg_map``."""
    return {arg: variable_for_type(arg, t) for arg, t in arg_map.items()}
