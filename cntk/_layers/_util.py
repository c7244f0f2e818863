"""Small helpers shared by the layer factories."""
from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence

from .._graph.decorator import function_from_callable
from .._graph.function import Function
from .._graph.initializer import Initializer, SentinelValueForInferParamInitRank
from .._graph.variable import Variable, placeholder


def as_shape(shape: Any) -> tuple:
    """An int or a sequence of ints as a tuple (None is the scalar shape ())."""
    if shape is None:
        return ()
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(d) for d in shape)


def shape_size(shape: tuple) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def init_with_rank(init: Any, output_rank: Optional[int] = None) -> Any:
    """An initialiser whose fan computation uses the layer's output rank (numbers and arrays pass)."""
    if isinstance(init, Initializer) and output_rank is not None and \
            init.output_rank in (None, SentinelValueForInferParamInitRank):
        return init.with_rank(output_rank=output_rank)
    return init


def make_block(body: Callable, op_name: str, name: str = "") -> Function:
    """A block (op ``op_name``, instance ``name``) built by tracing ``body`` on placeholders named
    after its Python arguments."""
    return function_from_callable(body, make_block=True, op_name=op_name, name=name)


def make_composite(body: Callable) -> Function:
    """A plain composite built by tracing ``body`` on placeholders named after its arguments."""
    return function_from_callable(body)


def as_function(f: Any) -> Function:
    """A Function for a layer or a Python callable of variables."""
    if isinstance(f, Function):
        return f
    if callable(f):
        return Function(f)
    raise TypeError("expected a Function or a Python function of variables, got %r" % (f,))


def composite_with_args(out: Any, args: Sequence[Variable]) -> Function:
    """The Function for ``out`` (a Function, Variable or list of them) with ``args`` as its
    arguments in that order."""
    from ..ops import combine
    if isinstance(out, (list, tuple)):
        fn = combine([o.output if isinstance(o, Function) else o for o in out])
    elif isinstance(out, Variable):
        fn = combine([out])
    else:
        fn = out
    fn._arg_order = list(args)
    return fn


def new_placeholders(names: List[str]) -> List[Variable]:
    return [placeholder(name=n) for n in names]
