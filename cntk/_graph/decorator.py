"""`@Function` and `@BlockFunction`: building graphs from Python functions of variables."""
from __future__ import annotations

import inspect
from typing import Any, Callable, List

from .variable import Variable, placeholder


def _argument_names(f: Callable) -> List[str]:
    """The graph arguments of ``f``: its parameters without defaults (so that an op such as
    ``cntk.plus(left, right, name='')`` traces with two), as CNTK did."""
    params = inspect.signature(f).parameters.values()
    names = []
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise TypeError("@Function cannot turn '%s' into a graph: *args/**kwargs are not allowed" % f.__name__)
        if p.default is p.empty:
            names.append(p.name)
    return names


def _to_function(out: Any):
    from .function import Function, primitive
    from ..ops import combine
    if isinstance(out, (tuple, list)):
        return combine(list(out))
    if isinstance(out, Function):
        return out
    if isinstance(out, Variable):
        if out.owner is not None:
            return out.owner if len(out.owner.outputs) == 1 else combine([out])
        return primitive("NoOp", [out])
    raise TypeError("a @Function body must return Variables or Functions, got %r" % (out,))


def function_from_callable(f: Callable, make_block: bool = False, op_name: str = "", name: str = ""):
    """Trace ``f`` with one placeholder per Python argument (named after it) into a composite."""
    names = _argument_names(f)
    args = [placeholder(name=n) for n in names]
    composite = _to_function(f(*args))
    if make_block:
        from ..ops import as_block
        outer = [placeholder(name=n) for n in names]
        used = {id(v) for v in composite.arguments}
        mapping = [(inner, o) for inner, o in zip(args, outer) if id(inner) in used]
        block = as_block(composite, mapping, op_name or f.__name__, name)
        block._arg_order = outer
        return block
    composite._arg_order = args
    if name:
        composite._rename(name)
    annotations = getattr(f, "__annotations__", {})
    types = {k: v for k, v in annotations.items() if k in names and not isinstance(v, str)}  # str: a Python type hint
    if types:
        composite.update_signature(**{k: types[k] for k in names if k in types})
    return composite


def block_function(op_name: str, name: str) -> Callable:
    """Decorator factory behind `BlockFunction(op_name, name)`."""
    def decorate(f: Callable):
        return function_from_callable(f, make_block=True, op_name=op_name, name=name)
    return decorate
