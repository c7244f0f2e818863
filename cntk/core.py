"""`cntk.core`: Value (minibatch data) and conversion helpers.

A `Value` holds a minibatch of sequences of different lengths, padded, with a mask:

>>> v = Value([np.array([[1.], [2.], [3.]], np.float32), np.array([[4.]], np.float32)])
>>> v.shape                  # (batch, longest sequence, *sample shape)
(2, 3, 1)
>>> v.mask                   # 2: a sequence starts, 1: a valid step, 0: padding
array([[2, 1, 1],
       [2, 0, 0]], dtype=int32)
>>> [s.ravel().tolist() for s in v.as_sequences()]
[[1.0, 2.0, 3.0], [4.0]]
"""
from typing import Any

import numpy as np

from ._core.value import ONE_HOT_SKIP, Value

NDArrayView = Value


def asarray(value: Any, dtype: Any = None) -> np.ndarray:
    """A Value, MinibatchData, Variable value or array as a NumPy array (padded where sequences differ
    in length; ``dtype`` converts).

    >>> asarray(Value([np.array([[1.], [2.]], np.float32), np.array([[3.]], np.float32)])).ravel().tolist()
    [1.0, 2.0, 3.0, 0.0]
    >>> asarray(C.Constant([1, 2]), dtype=np.int64)
    array([1, 2])
    """
    if hasattr(value, "asarray"):
        arr = value.asarray()
    elif hasattr(value, "value"):
        arr = value.value
    else:
        arr = np.asarray(value)
    return arr.astype(dtype) if dtype is not None else arr


def asvalue(variable: Any, data_array: Any) -> Value:
    """Data for ``variable`` as a Value (sequences for sequence inputs).

    >>> x = C.sequence.input_variable(2)
    >>> asvalue(x, [np.zeros((3, 2), np.float32), np.zeros((1, 2), np.float32)]).shape
    (2, 3, 2)
    """
    from .internal.sanitize import sanitize_batch
    return sanitize_batch(variable, data_array)
