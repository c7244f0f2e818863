"""`cntk.core`: Value (minibatch data) and conversion helpers."""
from typing import Any

import numpy as np

from ._core.value import ONE_HOT_SKIP, Value

NDArrayView = Value


def asarray(value: Any, dtype: Any = None) -> np.ndarray:
    """A Value, MinibatchData, Variable value or array as a NumPy array."""
    if hasattr(value, "asarray"):
        arr = value.asarray()
    elif hasattr(value, "value"):
        arr = value.value
    else:
        arr = np.asarray(value)
    return arr.astype(dtype) if dtype is not None else arr


def asvalue(variable: Any, data_array: Any) -> Value:
    """Data for ``variable`` as a Value (sequences for sequence inputs)."""
    from ._exec.binding import bind
    import torch
    bound = bind(variable, data_array, torch.device("cpu"))
    return Value._from_padded(bound.tensor, bound.lengths, variable.is_sparse)
