"""Type rule of the BatchNormalization primitive (registered into the inference rule table on import)."""
from __future__ import annotations

from typing import Optional

import numpy as np

from .inference import Unknown, VarType, first_known_dtype, op_error, rule


def _stat_shape(fn, x_shape: tuple) -> Optional[tuple]:
    """Shape of scale/bias/running statistics as CNTK infers it: the channel count (leading axis)
    when spatial, else the sample's element count; None while the needed dimensions are unknown."""
    if fn._attributes.get("spatial", False):
        if not x_shape:
            raise op_error(fn, "spatial batch normalization needs an operand of rank >= 1")
        return (x_shape[0],) if x_shape[0] >= 0 else None
    if any(d < 0 for d in x_shape):
        return None
    return (int(np.prod(x_shape, dtype=np.int64)),)


@rule("BatchNormalization")
def _batch_normalization(fn, t):
    x = t[0]
    dtype = first_known_dtype(t)
    if x.shape is not Unknown:
        target = _stat_shape(fn, tuple(x.shape))
        if target is not None:
            for v in fn._inputs[1:5]:
                if v._shape is not None and any(d < 0 for d in v._shape) and hasattr(v, "_resolve"):
                    v._resolve(target, dtype if dtype is not Unknown else None)
    return [VarType(x.shape, dtype, x.axes)]
