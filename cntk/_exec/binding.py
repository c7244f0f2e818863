"""Converting user data to engine tensors for an argument, and engine results back to NumPy.

Input conventions are CNTK's: for a sequence argument, a list of per-sequence arrays, an
ndarray ``(batch, time, *shape)`` or ``(time, *shape)`` for one sequence; for a non-sequence
argument, ``(batch, *shape)`` or ``(*shape)`` for one sample; `Value`/`MinibatchData`, SciPy
sparse matrices and one-hot Values wherever CNTK took them.
"""
from __future__ import annotations

import functools
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np
import torch

from .._core.value import Value, pad_sequences
from .._graph.variable import FreeDimension, InferredDimension, Variable, torch_dtype


class BoundInput:
    """One argument's data: a tensor ``[B, T, *S]`` or ``[B, *S]``, the sequence lengths (or None),
    and for sparse one-hot sequences the ``[B, T]`` index of each sample's entry (or None; see
    ``Value._one_hot``)."""

    __slots__ = ("tensor", "lengths", "one_hot")

    def __init__(self, tensor: torch.Tensor, lengths: Optional[torch.Tensor],
                 one_hot: Optional[torch.Tensor] = None) -> None:
        self.tensor = tensor
        self.lengths = lengths
        self.one_hot = one_hot


def fits(actual: tuple, sample: tuple) -> bool:
    """Whether data dims ``actual`` fit a declared sample shape (a free or still inferred dimension fits any size)."""
    return len(actual) == len(sample) and all(d == a or d in (FreeDimension, InferredDimension)
                                              for a, d in zip(actual, sample))


def _label(var: Variable) -> str:
    return "'%s'" % (var.name or var.uid)


def _is_sparse_matrix(x: Any) -> bool:
    return hasattr(x, "tocsr") and hasattr(x, "toarray")


@functools.lru_cache(maxsize=64)
def equal_lengths(batch: int, steps: int, device: torch.device) -> torch.Tensor:
    """The lengths of ``batch`` sequences of ``steps`` steps each (one shared tensor per shape:
    lengths are never written in place)."""
    return torch.full((batch,), steps, dtype=torch.long, device=device)


def bind(var: Variable, data: Any, device: torch.device) -> BoundInput:
    """Bind ``data`` to argument ``var``, checking shapes; errors name the input and both shapes."""
    sample = tuple(var.shape)
    is_seq = var.has_sequence_axis()
    dtype = torch_dtype(var.dtype)
    array = type(data) is np.ndarray  # the common case: none of the other conventions apply
    if not array:
        value = getattr(data, "data", None) if not isinstance(data, (Value, np.ndarray, list, tuple)) else None
        if isinstance(value, Value):
            data = value
        if isinstance(data, Value):
            return _from_value(var, data, sample, is_seq, dtype, device)
        if _is_sparse_matrix(data):
            arr = np.asarray(data.toarray())
            data = arr if not is_seq else [arr]
    if not var.dynamic_axes:
        return _bind_static(var, data, sample, dtype, device)
    if not array and is_seq and isinstance(data, tuple) and len(data) == 2 and _is_start_flags(data[1]):
        data = _sequences_with_starts(var, data[0], data[1])
    if not array and isinstance(data, (list, tuple)) and not _is_flat_numbers(data):
        items = [np.asarray(x.toarray()) if _is_sparse_matrix(x) else _as_array(x, var) for x in data]
        if is_seq:
            seqs = [_as_sequence(var, x, sample, k) for k, x in enumerate(items)]
            padded, lengths = pad_sequences(seqs, np.float64)
            return BoundInput(padded.to(device=device, dtype=dtype), torch.as_tensor(lengths, device=device))
        samples = [_as_sample(var, x, sample, k) for k, x in enumerate(items)]
        stacked = np.stack(samples) if samples else np.zeros((0,) + sample)
        return BoundInput(torch.as_tensor(stacked, dtype=dtype, device=device), None)
    arr = _as_array(data, var)
    if is_seq:
        arr = _sequence_batch(var, arr, sample)
        return BoundInput(_as_tensor(arr, var, dtype, device), equal_lengths(arr.shape[0], arr.shape[1], device))
    if arr.ndim == len(sample) and fits(arr.shape, sample):
        arr = arr[None]
    elif arr.ndim == len(sample) + 2 and arr.shape[1] == 1 and fits(arr.shape[2:], sample):
        arr = arr[:, 0]
    elif sample == (1,) and arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if not fits(arr.shape[1:], sample):
        raise ValueError("input %s expects samples of shape %s, i.e. data of shape (batch, %s); got an array of shape %s"
                         % (_label(var), sample, _dims(sample), arr.shape))
    return BoundInput(_as_tensor(arr, var, dtype, device), None)


def _sequence_batch(var: Variable, arr: np.ndarray, sample: tuple) -> np.ndarray:
    """``arr`` for a sequence input as ``(batch, time, *sample)``: as it is when it already is (the
    common case, checked first), else one sequence or one sample made a batch of it."""
    if arr.ndim == len(sample) + 2 and arr.shape[2:] == sample:
        return arr
    if arr.ndim == len(sample) and fits(arr.shape, sample) and sample != (1,):
        arr = arr[None]  # one sequence of one sample
    if not fits(arr.shape[arr.ndim - len(sample):], sample) or arr.ndim < len(sample) + 1:
        if sample == (1,) and arr.ndim in (1, 2):
            arr = arr.reshape(arr.shape + (1,))
        else:
            raise ValueError("input %s expects sequences of samples of shape %s, i.e. data of shape (batch, time, %s) "
                             "or (time, %s); got an array of shape %s (the trailing dimensions must equal %s)"
                             % (_label(var), sample, _dims(sample), _dims(sample), arr.shape, sample))
    if arr.ndim == len(sample) + 1:
        arr = arr[None]
    if arr.ndim != len(sample) + 2:
        raise ValueError("input %s expects data of shape (batch, time, %s); got %s" % (_label(var), _dims(sample), arr.shape))
    return arr


def _as_tensor(arr: np.ndarray, var: Variable, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """``arr`` as a tensor of the input's dtype on ``device`` (sharing its memory when it already is one)."""
    if not arr.flags.c_contiguous and min(arr.strides, default=0) < 0:
        arr = np.ascontiguousarray(arr)  # torch takes no negative strides (e.g. a reversed view)
    if device.type == "cpu" and arr.dtype == var.dtype and arr.flags.writeable:
        return torch.from_numpy(arr)
    return torch.as_tensor(arr, dtype=dtype, device=device)


def _is_start_flags(x: Any) -> bool:
    return isinstance(x, (list, tuple)) and len(x) > 0 and all(isinstance(f, (bool, np.bool_)) for f in x)


def _sequences_with_starts(var: Variable, batch: Any, starts: Sequence[bool]) -> list:
    """CNTK's ``(batch, sequence_starts)``: one sequence per flag. A False flag (this sequence
    continues the previous minibatch's) is not supported."""
    if not all(starts):
        raise NotImplementedError("input %s: sequence_starts with False (a sequence continuing from the previous "
                                  "minibatch) is not supported; give whole sequences" % _label(var))
    sequences = list(batch)
    if len(sequences) != len(starts):
        raise ValueError("input %s: %d sequences but %d sequence_starts flags" % (_label(var), len(sequences), len(starts)))
    return sequences


def _bind_static(var: Variable, data: Any, sample: tuple, dtype: torch.dtype, device: torch.device) -> BoundInput:
    """An input declared without dynamic axes takes one tensor of its shape (a batch of one is unwrapped)."""
    arr = _as_array(data, var)
    if arr.ndim == len(sample) + 1 and arr.shape[0] == 1 and fits(arr.shape[1:], sample):
        arr = arr[0]
    if not fits(arr.shape, sample):
        raise ValueError("input %s has no dynamic axes and expects data of shape %s; got an array of shape %s"
                         % (_label(var), sample, arr.shape))
    return BoundInput(_as_tensor(arr, var, dtype, device), None)


def _dims(shape: tuple) -> str:
    return ", ".join(str(d) for d in shape)


def _is_flat_numbers(data: Any) -> bool:
    return len(data) > 0 and all(isinstance(x, (int, float, np.number)) for x in data)


def _as_array(x: Any, var: Variable) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=np.float64) if not isinstance(x, np.ndarray) else x
    except (ValueError, TypeError) as err:
        raise ValueError("input %s: cannot convert the data to an array (%s)" % (_label(var), err))
    if arr.dtype == object:
        raise ValueError("input %s: the data are ragged; give a list of arrays, one per sequence" % _label(var))
    return arr


def _as_sequence(var: Variable, x: np.ndarray, sample: tuple, k: int) -> np.ndarray:
    if x.ndim == len(sample) + 1 and fits(x.shape[1:], sample):
        return x
    if all(d == 1 for d in sample) and x.ndim == 1:
        return x.reshape((-1,) + sample)
    if x.ndim == len(sample) and fits(x.shape, sample):
        return x[None]  # one sample: a sequence of one step
    raise ValueError("input %s: sequence %d has shape %s, expected (length, %s)" % (_label(var), k, x.shape, _dims(sample)))


def _as_sample(var: Variable, x: np.ndarray, sample: tuple, k: int) -> np.ndarray:
    if fits(x.shape, sample):
        return x
    if x.ndim == len(sample) + 1 and x.shape[0] == 1 and fits(x.shape[1:], sample):
        return x[0]
    raise ValueError("input %s: sample %d has shape %s, expected %s" % (_label(var), k, x.shape, sample))


def _from_value(var: Variable, v: Value, sample: tuple, is_seq: bool, dtype: torch.dtype, device) -> BoundInput:
    t = v._tensor.to(device=device, dtype=dtype)
    lengths = None if v._lengths is None else torch.as_tensor(v._lengths, device=device)
    if lengths is None and t.dim() == len(sample) and fits(tuple(t.shape), sample):
        t = t.unsqueeze(0)  # a single tensor (an NDArrayView, e.g. a parameter's gradient): one sample
    if is_seq and lengths is None:
        lengths = torch.ones(t.shape[0], dtype=torch.long, device=device)
        t = t.unsqueeze(1)
    if not is_seq and lengths is not None:
        if t.dim() == len(sample) + 2:
            if t.shape[1] != 1 and not bool((lengths == 1).all()):
                raise ValueError("input %s has no sequence axis but got sequences of lengths %s"
                                 % (_label(var), lengths.tolist()[:8]))
            t = t[:, 0]
        lengths = None
    static = tuple(t.shape[2:] if is_seq else t.shape[1:])
    if not fits(static, sample):
        raise ValueError("input %s expects samples of shape %s; the minibatch has samples of shape %s" % (_label(var), sample, static))
    one_hot = v._one_hot
    if one_hot is not None and (not is_seq or one_hot.shape != t.shape[:2]):
        one_hot = None
    return BoundInput(t, lengths, None if one_hot is None else one_hot.to(device))


def to_numpy(t: torch.Tensor, lengths: Optional[torch.Tensor], dyn: int) -> Any:
    """An engine result in CNTK's output convention: a list of per-sequence arrays for
    sequence outputs, one array otherwise."""
    if t.requires_grad:
        t = t.detach()
    arr = t.numpy() if t.is_cpu else t.cpu().numpy()
    if dyn == 2:
        lens = lengths.cpu().tolist()
        return [arr[b, :n] for b, n in enumerate(lens)]
    return arr


def to_value(t: torch.Tensor, lengths: Optional[torch.Tensor], dyn: int) -> Value:
    """An engine result as a `Value` (for ``as_numpy=False``)."""
    return Value._from_padded(t.detach(), None if dyn != 2 else lengths)
