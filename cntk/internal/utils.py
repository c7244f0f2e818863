"""Evaluation helper used by CNTK's op tests: forward (training mode) and optionally backward."""
from typing import Any, Optional

import numpy as np


def eval(op: Any, arguments: Any = None, precision: Any = None, device: Any = None, backward_pass: bool = False,
         expected_backward: Optional[dict] = None):
    """Run ``op`` forward keeping state; with ``backward_pass`` seed every output with ones and return
    (forward results, gradients w.r.t. the keys of ``expected_backward`` or of ``arguments``)."""
    # without a backward pass nothing is kept, so the forward pass runs in inference mode
    state, forward_output = op.forward(arguments, op.outputs, op.outputs if backward_pass else None, device=device)
    if not backward_pass:
        return forward_output, None
    wrt = expected_backward if expected_backward is not None else arguments
    roots = {v: ([np.ones_like(s) for s in o] if isinstance(o, list) else np.ones_like(o))
             for v, o in forward_output.items()}
    return forward_output, op.backward(state, roots, list(wrt))


def _ones_like(batch: Any, precision: Any) -> Any:
    """Ones shaped like a batch (a list of sequences or an array)."""
    if isinstance(batch, list):
        return [np.ones_like(s, dtype=precision) for s in batch]
    return np.ones_like(batch, dtype=precision)


def get_data_type(*args: Any):
    """The widest float type among the arguments' dtypes (float32 unless something is float64)."""
    for a in args:
        dt = getattr(a, "dtype", None)
        if dt is not None and np.dtype(dt) == np.float64:
            return np.float64
    return np.float32
