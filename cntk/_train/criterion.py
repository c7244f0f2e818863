"""Interpreting a criterion (loss and optional metric) and the data given for its arguments."""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from .._exec.runner import Executor
from .._graph.function import Function
from .._graph.variable import Variable
from .._ops.tensor import combine


def as_function(f: Any) -> Function:
    """A Function for ``f`` (an output variable becomes a one-output combine named after it)."""
    if isinstance(f, Function):
        return f
    if isinstance(f, Variable):
        return combine([f], name=f.name)
    raise TypeError('expected a Function or an output Variable, got %r' % (f,))


def split_criterion(criterion: Any) -> Tuple[Function, Optional[Function]]:
    """(loss, metric or None) from a loss Function, a (loss, metric) pair or a two-output Function."""
    if isinstance(criterion, Function):
        criterion = criterion.outputs
    parts = tuple(as_function(c) for c in criterion if c is not None)
    if len(parts) == 1:
        return parts[0], None
    if len(parts) != 2:
        raise ValueError('the criterion must be a loss, or a (loss, metric) pair; got %d parts' % len(parts))
    return parts[0], parts[1]


def describe(var: Variable) -> str:
    """``'name' (shape (1,), sequence)`` for error messages."""
    kind = 'sequence' if var.has_sequence_axis() else 'batch'
    return "'%s' (shape %s, %s)" % (var.name or var.uid, tuple(var.shape), kind)


def check_complete(fn: Function, data: Dict[Variable, Any], caller: str) -> None:
    """Raise a ValueError naming every argument of ``fn`` that has no data."""
    missing = [p for p in Executor.arguments_of(fn) if p not in data]
    if missing:
        given = ', '.join(describe(v) for v in data if isinstance(v, Variable)) or 'nothing'
        raise ValueError('%s: no data for %s; data was given for %s (is an input missing from the input map / '
                         'model_inputs_to_streams?)' % (caller, ', '.join(describe(p) for p in missing), given))


def sweep_end_of(data: Dict[Variable, Any]) -> Optional[bool]:
    """True/False when the data are MinibatchData (any at the end of a sweep), else None."""
    flags = [getattr(v, 'end_of_sweep', None) for v in data.values()]
    known = [f for f in flags if isinstance(f, bool)]
    return any(known) if known else None
