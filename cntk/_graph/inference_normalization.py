"""Type rule of the BatchNormalization primitive (registered into the inference rule table on import)."""
from __future__ import annotations

from .inference import Unknown, VarType, first_known_dtype, op_error, rule


def _stat_shape(fn, x_shape: tuple) -> tuple:
    """Shape of scale/bias/running statistics: the whole sample, or its leading axis when spatial."""
    if fn._attributes.get("spatial", False):
        if not x_shape:
            raise op_error(fn, "spatial batch normalization needs an operand of rank >= 1")
        return (x_shape[0],) + (1,) * (len(x_shape) - 1)
    return tuple(x_shape)


@rule("BatchNormalization")
def _batch_normalization(fn, t):
    x = t[0]
    dtype = first_known_dtype(t)
    if x.shape is not Unknown and all(d >= 0 for d in x.shape):
        target = _stat_shape(fn, tuple(x.shape))
        for v in fn._inputs[1:5]:
            if v._shape is not None and any(d < 0 for d in v._shape) and hasattr(v, "_resolve"):
                v._resolve(target, dtype if dtype is not Unknown else None)
    return [VarType(x.shape, dtype, x.axes)]
