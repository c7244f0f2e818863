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


def attach_types(f: Any, args: tuple, kwargs: dict) -> Any:
    """Record argument types on the Python function ``f`` (as annotations) for ``@Function`` to use:
    positional types go to the arguments in order, keyword types by name."""
    import inspect
    names = list(inspect.signature(f).parameters)
    if len(args) > len(names):
        raise TypeError("Signature: %d types for %d arguments" % (len(args), len(names)))
    annotations = dict(getattr(f, "__annotations__", {}) or {})
    for n, t in zip(names, args):
        annotations[n] = t
    for n, t in kwargs.items():
        if n not in names:
            raise TypeError("Signature: the function has no argument '%s'" % n)
        annotations[n] = t
    f.__annotations__ = annotations
    return f
