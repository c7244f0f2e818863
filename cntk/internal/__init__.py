"""`cntk.internal`: the input sanitisers CNTK's own tests and helper code call."""
from typing import Any

import numpy as np

from .._graph.variable import sanitize_dtype
from .sanitize import _value_as_sequence_or_array, sanitize_batch, sanitize_dynamic_axes, sanitize_input, sanitize_value  # noqa: F401


def sanitize_dtype_cntk(dtype: Any):
    """A float dtype from a numpy dtype, a type, or CNTK's precision names 'float' / 'double'."""
    if isinstance(dtype, str) and dtype in ("float", "double", "float16"):
        return {"float": np.float32, "double": np.float64, "float16": np.float16}[dtype]
    return sanitize_dtype(dtype)


def sanitize_dtype_numpy(dtype: Any):
    """The numpy dtype for a CNTK precision or dtype."""
    return np.dtype(sanitize_dtype_cntk(dtype))


def sanitize_permutation(perm: Any) -> list:
    """A permutation of static axes as CNTK stores it (reversed axis order)."""
    from .sanitize import sanitize_permutation as _sp
    return _sp(perm)
