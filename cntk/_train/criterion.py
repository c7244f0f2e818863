"""Interpreting a criterion (loss and optional metric) and the data given for its arguments."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from .._graph.function import Function, graph_version
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


def arguments_of(fn: Function) -> List[Variable]:
    """``fn.arguments``, remembered until the graph changes (it is needed for every minibatch)."""
    cached = fn.__dict__.get('_training_arguments')
    if cached is None or cached[0] != graph_version():
        cached = (graph_version(), list(fn.arguments))
        fn.__dict__['_training_arguments'] = cached
    return cached[1]


def normalize_data_map(fn: Function, arguments: Any) -> Dict[Variable, Any]:
    """``arguments`` as {argument Variable: data}: a dict keyed by Variables, output Functions or names,
    or data for the single argument."""
    params = arguments_of(fn)
    if not isinstance(arguments, dict):
        if len(params) != 1:
            raise ValueError('the criterion has %d arguments (%s); give a dict {argument: data}'
                             % (len(params), ', '.join(describe(p) for p in params)))
        return {params[0]: arguments}
    result: Dict[Variable, Any] = {}
    for key, value in arguments.items():
        if isinstance(key, str):
            matches = [p for p in params if p.name == key]
            if not matches:
                raise ValueError("no argument named '%s'; the arguments are %s"
                                 % (key, ', '.join(describe(p) for p in params)))
            key = matches[0]
        elif isinstance(key, Function):
            key = key.output
        result[key] = value
    return result


def check_complete(fn: Function, data: Dict[Variable, Any], caller: str) -> None:
    """Raise a ValueError naming every argument of ``fn`` that has no data."""
    missing = [p for p in arguments_of(fn) if p not in data]
    if missing:
        given = ', '.join(describe(v) for v in data if isinstance(v, Variable)) or 'nothing'
        raise ValueError('%s: no data for %s; data was given for %s (is an input missing from the input map / '
                         'model_inputs_to_streams?)' % (caller, ', '.join(describe(p) for p in missing), given))


def sweep_end_of(data: Dict[Variable, Any]) -> Optional[bool]:
    """True/False when the data are MinibatchData (any at the end of a sweep), else None."""
    flags = [getattr(v, 'end_of_sweep', None) for v in data.values()]
    known = [f for f in flags if isinstance(f, bool)]
    return any(known) if known else None
