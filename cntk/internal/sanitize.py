"""Conversions between Python-order axis permutations and CNTK's stored (reversed) order."""
from typing import Any, List

import numpy as np


def sanitize_permutation(perm: Any) -> List[int]:
    """The permutation expressed on reversed (column-major) axes, as CNTK's engine stores it."""
    n = len(perm)
    positive = [p + n if p < 0 else p for p in perm]
    if sorted(positive) != list(range(n)):
        raise ValueError("%r is not a permutation of %d axes" % (list(perm), n))
    return [n - 1 - positive[n - 1 - i] for i in range(n)]


def sanitize_input(arg: Any, fallback_dtype: Any = np.float32, reshape: Any = None):
    """A Variable for ``arg``: Variables pass unchanged, a Function gives its single output, and
    numbers, lists and arrays become Constants of ``fallback_dtype`` (reshaped if asked)."""
    from .._graph.function import Function, as_variable
    from .._graph.variable import Constant, Variable
    if isinstance(arg, (Variable, Function)):
        return as_variable(arg)
    if arg is None:
        raise TypeError("sanitize_input: got None; expected a Variable, a Function, a number or an array")
    dtype = np.dtype(fallback_dtype)
    if hasattr(arg, "asarray") and not isinstance(arg, np.ndarray):
        arg = arg.asarray()
    arr = np.asarray(arg, dtype=dtype)
    if reshape is not None:
        arr = arr.reshape(reshape)
    return Constant(arr, dtype=dtype.type)


def sanitize_dynamic_axes(axes: Any) -> tuple:
    """Dynamic axes in CNTK's internal (reversed) order; a single Axis becomes a 1-tuple."""
    from .._graph.axis import Axis
    if not isinstance(axes, (list, tuple)):
        axes = [axes]
    for ax in axes:
        if not isinstance(ax, Axis):
            raise TypeError("type Axis expected, got %s instead" % type(ax))
    return tuple(reversed(axes))


def sanitize_batch(var: Any, batch: Any, seq_starts: Any = None, device: Any = None):
    """``batch`` for input ``var`` as a `Value`; ``seq_starts`` (one bool per sequence: True for a
    new sequence, False for the continuation of the previous minibatch's one) is only allowed for
    sequence inputs. A Value passes unchanged."""
    from .._core.value import Value
    from .._exec.binding import bind
    from ..device import torch_device_of
    if isinstance(batch, Value):
        if seq_starts is not None:
            raise ValueError("for directly passed Value objects sequence starts cannot be used yet.")
        return batch
    if seq_starts and not var.has_sequence_axis():
        raise ValueError("you specified sequence begin markers, but your input does not have a sequence axis")
    import scipy.sparse
    import torch
    if isinstance(batch, np.ndarray) and batch.dtype == object:
        raise ValueError("a batch of sequences must be passed as a Python list of NumPy arrays, not as an object array")
    no_axes = not var.dynamic_axes
    if no_axes and isinstance(batch, list) and any(scipy.sparse.issparse(b) for b in batch):
        raise ValueError("input '%s' has no dynamic axes; pass sparse data as one CSR matrix, not a list" % var.name)
    try:
        bound = bind(var, batch, torch_device_of(device))
    except ValueError:
        if not no_axes:
            raise
        raw = np.asarray(batch.toarray() if scipy.sparse.issparse(batch) else batch, dtype=var.dtype)
        value = Value._raw(torch.as_tensor(raw).to(torch_device_of(device)), var.is_sparse)
        value._raw_input = True
        return value
    value = Value._from_padded(bound.tensor, bound.lengths, var.is_sparse)
    if isinstance(batch, np.ndarray) or (no_axes and not isinstance(batch, list)):
        raw = batch.toarray() if scipy.sparse.issparse(batch) else np.asarray(batch)
        value._view = torch.as_tensor(np.ascontiguousarray(raw, dtype=var.dtype)).to(bound.tensor.device)
        value._raw_input = True
    elif no_axes and isinstance(batch, list):
        value._view = torch.as_tensor(np.asarray(batch, dtype=var.dtype)).to(bound.tensor.device)
        value._raw_input = True
    elif isinstance(batch, list) and bound.lengths is None and bound.tensor.dim() == len(var.shape) + 1:
        value._view = bound.tensor.unsqueeze(1)
    if seq_starts is not None:
        if bound.lengths is None or len(seq_starts) != len(bound.lengths):
            raise ValueError("seq_starts has %d entries, but the batch has %d sequences"
                             % (len(seq_starts), 0 if bound.lengths is None else len(bound.lengths)))
        value._continues = ~np.asarray(seq_starts, dtype=bool)
    return value


def sanitize_value(shape: Any, value: Any, dtype: Any, device: Any):
    """An NDArrayView for ``value`` (cast to ``dtype``; a scalar with a ``shape`` fills that
    shape), or a zero-filled one of ``shape`` when ``value`` is None."""
    from .._core.value import Value
    from ..core import asarray
    from . import sanitize_dtype_numpy
    import torch
    np_dtype = sanitize_dtype_numpy(dtype if dtype is not None else np.float32)
    if value is None:
        if shape is None:
            raise ValueError("sanitize_value needs at least a shape or a value")
        return Value(tuple(shape), np_dtype.type, device)
    if isinstance(value, np.ndarray):
        value = value.astype(np_dtype, copy=False)
    elif np.isscalar(value) and shape:
        value = np.full(shape, value, dtype=np_dtype)
    else:
        value = asarray(value, np_dtype)
    return Value.from_dense(np.asarray(value), device)


def _value_as_sequence_or_array(val: Any, var: Any):
    """A Value's data for ``var``: a list of per-sequence arrays (CSR matrices when sparse) for a
    sequence input, one array otherwise."""
    if var is not None and var.has_sequence_axis() and val._has_sequence_axis:
        return val.as_sequences(var)
    if val.is_sparse:
        import scipy.sparse
        arr = val._tensor.detach().cpu().numpy()
        return [scipy.sparse.csr_matrix(a.reshape(-1, arr.shape[-1]) if a.ndim else a.reshape(1, 1)) for a in arr]
    return val.asarray()
