"""Variable types and Function signatures as text in CNTK's notation (``Sequence[Tensor[3]]``,
``f: Log(Tensor[1]) -> Tensor[1]``), what ``str()`` of a Function shows."""
from __future__ import annotations

from typing import Any

import numpy as np

_DTYPE_PREFIX = {np.float64: 'np.float64,', np.float16: 'np.float16,'}
_SCALAR = {np.float64: 'np.float64', np.float32: 'np.float32', np.float16: 'np.float16'}
_DEFAULT_AXES = ('defaultDynamicAxis', 'UnknownAxes')


def type_text(var: Any) -> str:
    """One variable's type: the sample type wrapped in one ``Sequence[...]`` per sequence axis."""
    unknown_axes = var._dynamic_axes is None and not (var.is_parameter or var.is_constant)
    axes = tuple(var._dynamic_axes or ())
    shape = var._shape
    if shape is None or any(d == -2 for d in shape):
        text = 'tensor'
    elif shape == ():
        text = _SCALAR.get(var._dtype, 'float')
    else:
        text = 'Tensor[%s%s]' % (_DTYPE_PREFIX.get(var._dtype, ''), ','.join(str(d) for d in shape))
        if var.is_sparse:
            text = 'Sparse' + text
        elif not axes and not unknown_axes:
            text = 'Parameter' + text
    if unknown_axes:  # not yet bound: CNTK shows its unknown axes as a sequence
        return 'Sequence[%s]' % text
    for axis in reversed(axes):
        if axis.is_batch_axis:
            continue
        wrapper = 'Sequence' if axis.name in _DEFAULT_AXES else 'SequenceOver[%s]' % axis.name
        text = '%s[%s]' % (wrapper, text)
    return text


def signature_text(fn: Any) -> str:
    """``name: Op(arg: type, ...) -> type`` for a Function (a tuple of types for several outputs).
    The op is always the root op's (CNTK wrote ``Composite`` for a graph whose arguments are not its
    root op's operands; every Function here is its root op)."""
    args = ', '.join((v.name + ': ' if _shows_name(v) else '') + type_text(v) for v in fn.signature)
    outs = [type_text(o) for o in fn.outputs]
    result = outs[0] if len(outs) == 1 else 'Tuple[%s]' % ', '.join(outs)
    return '%s%s(%s) -> %s' % (fn.name + ': ' if fn.name else '', fn.op_name, args, result)


def _shows_name(v: Any) -> bool:
    """Argument names are shown, except those of a block's internal placeholders once the block is
    bound (typed), which CNTK's copies of block internals do not carry."""
    return bool(v.name) and not (v.is_placeholder and v._shape is not None)
