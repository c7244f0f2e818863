"""`Value`: a minibatch of data as the engine consumes it — a padded tensor plus sequence lengths.

Sequence data are batch-major ``[B, T, *shape]`` with ``lengths`` (one per sequence);
non-sequence data are ``[B, *shape]`` with ``lengths`` None. Sparse (one-hot) data are held
densely here with ``is_sparse`` remembered, so that results and errors match CNTK's.
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence

import numpy as np
import torch

ONE_HOT_SKIP = 2 ** 32 - 1


class Value:
    """A minibatch: a list of sequences (or samples) of one variable, with a mask.

    ``Value(batch)`` accepts a dense array ``(B, T, *shape)`` or a list of per-sequence arrays.
    """

    #: Index that `one_hot` turns into an all-zero row.
    ONE_HOT_SKIP = ONE_HOT_SKIP

    #: For sparse minibatches whose every sample is one entry of value 1 (or empty): the ``[B, T]``
    #: int64 index of each sample's entry, -1 for empty samples and padding (set by the reader).
    _one_hot: Optional[torch.Tensor] = None

    def __init__(self, batch: Any = None, seq_starts: Optional[Sequence[bool]] = None, device: Any = None) -> None:
        self._continues: Optional[np.ndarray] = None
        self._view: Optional[torch.Tensor] = None
        self._raw_input = False
        self.is_read_only = False
        if batch is not None and _is_shape(batch) and _is_dtype(seq_starts):
            # NDArrayView(shape, data_type, device): a zero-filled block of the given shape.
            self._data = torch.zeros(tuple(int(d) for d in batch), dtype=_torch_dtype(seq_starts))
            self._lengths, self._sparse = None, False
            return
        if batch is None:
            self._data, self._lengths, self._sparse = torch.zeros(0), None, False
            return
        if isinstance(batch, Value):
            self._data, self._lengths, self._sparse = batch._data, batch._lengths, batch._sparse
            self._view, self._continues = batch._view, batch._continues
            self._raw_input = batch._raw_input
            return
        if isinstance(batch, np.ndarray) and batch.dtype != object:
            data = torch.as_tensor(np.ascontiguousarray(batch))
            lengths = np.full(data.shape[0], data.shape[1] if data.dim() > 1 else 1, dtype=np.int64)
            self._data, self._lengths, self._sparse = data, lengths, False
        else:
            seqs = [s.asarray() if isinstance(s, Value) else np.asarray(s) for s in batch]
            padded, lengths = pad_sequences(seqs)
            self._data, self._lengths, self._sparse = padded, lengths, False
        if seq_starts is not None:
            self._continues = ~np.asarray(seq_starts, dtype=bool)

    @classmethod
    def _raw(cls, data: torch.Tensor, is_sparse: bool = False) -> "Value":
        """A maskless block holding ``data`` exactly as given (CNTK's NDArrayView)."""
        return cls._from_padded(data, None, is_sparse)

    @staticmethod
    def from_dense(np_array: Any, device: Any = None, read_only: bool = False, borrow: bool = False) -> "Value":
        """A dense block holding a copy of the NumPy array ``np_array``."""
        if not isinstance(np_array, np.ndarray):
            raise TypeError("from_dense() needs a NumPy array, not %s" % type(np_array))
        v = Value._raw(torch.as_tensor(np.array(np_array, copy=True)))
        v.is_read_only = bool(read_only)
        return v

    @staticmethod
    def from_csr(csr_array: Any, shape: Sequence[int], device: Any = None, read_only: bool = False,
                 borrow: bool = False) -> "Value":
        """A sparse block of ``shape`` from a SciPy CSR matrix whose rows are the flattened leading
        axes and whose columns are the last axis of ``shape``."""
        import scipy.sparse
        if not scipy.sparse.issparse(csr_array):
            raise TypeError("from_csr() needs a SciPy CSR matrix, not %s" % type(csr_array))
        shape = tuple(int(d) for d in shape)
        rows = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
        if not shape or csr_array.shape != (rows, shape[-1]):
            raise ValueError("a CSR matrix of shape %s does not fit a view of shape %s"
                             % (tuple(csr_array.shape), shape))
        dense = np.asarray(csr_array.toarray()).reshape(shape)
        v = Value._raw(torch.as_tensor(dense), is_sparse=True)
        v.is_read_only = bool(read_only)
        return v

    @staticmethod
    def create(var: Any, data: Any, seq_starts: Any = None, device: Any = None, read_only: bool = False) -> "Value":
        """Data for input ``var`` as a Value: a NumPy array, a CSR matrix, or a list of
        sequences (arrays, CSR matrices or views)."""
        if isinstance(data, list) and data and all(isinstance(d, Value) for d in data):
            seqs = [d._view if d._view is not None else d._data for d in data]
            lengths = [int(t.shape[0]) if t.dim() else 1 for t in seqs]
            sample = tuple(seqs[0].shape[1:])
            out = torch.zeros((len(seqs), max(lengths)) + sample, dtype=seqs[0].dtype)
            for i, t in enumerate(seqs):
                out[i, :lengths[i]] = t.reshape((lengths[i],) + sample)
            v = Value._from_padded(out, lengths if var.has_sequence_axis() else None,
                                   any(d.is_sparse for d in data))
            if not var.has_sequence_axis():
                v._view = out
                v._data = out.reshape((-1,) + sample)
            if seq_starts is not None:
                v._continues = ~np.asarray(seq_starts, dtype=bool)
            return v
        from ..internal.sanitize import sanitize_batch
        return sanitize_batch(var, data, seq_starts, device)

    @classmethod
    def _from_padded(cls, data: torch.Tensor, lengths: Optional[Any], is_sparse: bool = False) -> "Value":
        """Wrap an engine tensor: ``[B, T, *S]`` with per-sequence ``lengths``, or ``[B, *S]`` with None."""
        v = cls.__new__(cls)
        v._data = data
        v._lengths = None if lengths is None else np.array(  # a copy: engine lengths tensors are shared
            lengths.cpu().numpy() if isinstance(lengths, torch.Tensor) else lengths, dtype=np.int64)
        v._sparse = bool(is_sparse)
        v._continues = None
        v._view = None
        v._raw_input = False
        v.is_read_only = False
        return v

    # --- engine access -------------------------------------------------------------------------
    @property
    def _tensor(self) -> torch.Tensor:
        return self._data

    @property
    def _has_sequence_axis(self) -> bool:
        return self._lengths is not None

    # --- CNTK's API ----------------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        """(batch, max_length, *sample_shape) for sequences; (batch, *sample_shape) otherwise; for
        data given as one NumPy array, that array's own shape."""
        return tuple((self._data if self._view is None else self._view).shape)

    @property
    def device(self) -> Any:
        """The device the data live on."""
        from ..device import cpu, gpu
        dev = self._data.device
        return gpu(dev.index or 0) if dev.type == "cuda" else cpu()

    @property
    def is_valid(self) -> bool:
        """Whether the data may still be read (always true here)."""
        return True

    def as_shape(self, shape: Sequence[int]) -> "Value":
        """The same data viewed with another shape of equal size."""
        shape = tuple(int(d) for d in shape)
        src = self._data if self._view is None else self._view
        if int(np.prod(shape)) != src.numel():
            raise ValueError("as_shape: %s has %d elements, shape %s has %d"
                             % (tuple(src.shape), src.numel(), shape, int(np.prod(shape))))
        return Value._raw(src.reshape(shape), self._sparse)

    @property
    def is_sparse(self) -> bool:
        """True for sparse (one-hot) data."""
        return self._sparse

    @property
    def dtype(self):
        """The numpy dtype of the data."""
        return {torch.float32: np.float32, torch.float64: np.float64, torch.float16: np.float16}.get(self._data.dtype, np.float32)

    @property
    def mask(self) -> np.ndarray:
        """(batch, max_length) ints: 2 at a sequence start, 1 at other valid steps, 0 at padding."""
        if self._lengths is None:
            return np.full((self._data.shape[0], 1), 2, dtype=np.int32)
        steps = np.arange(self._data.shape[1])[None, :]
        mask = (steps < self._lengths[:, None]).astype(np.int32)
        starts = np.ones(len(self._lengths), dtype=bool) if self._continues is None else ~self._continues
        mask[:, 0] += (starts & (self._lengths > 0)).astype(np.int32)
        return mask

    def masked_count(self) -> int:
        """Number of padding entries in the mask."""
        return int((self.mask == 0).sum())

    def as_sequences(self, variable: Any = None) -> List[Any]:
        """A list with one array per sequence (SciPy CSR matrices for sparse data)."""
        if self._view is not None and self._raw_input and not self._sparse:
            raw = self._view.detach().cpu().numpy()
            return [raw] if not raw.shape else list(raw)
        if self._view is not None and self._raw_input and self._sparse:
            import scipy.sparse
            raw = self._view.detach().cpu().numpy()
            return [scipy.sparse.csr_matrix(raw.reshape(-1, raw.shape[-1] if raw.ndim else 1))]
        arr = self._data.detach().cpu().numpy()
        if self._lengths is None:
            seqs = [arr[i:i + 1] for i in range(arr.shape[0])]
        else:
            seqs = [arr[i, :n] for i, n in enumerate(self._lengths)]
        if self._sparse:
            if variable is None:
                raise ValueError("as_sequences() of sparse data needs the variable it belongs to")
            import scipy.sparse
            return [scipy.sparse.csr_matrix(s.reshape(s.shape[0], -1)) for s in seqs]
        return seqs

    def asarray(self) -> np.ndarray:
        """The data as one padded dense array."""
        if self._sparse:
            if self._lengths is not None:
                raise ValueError("asarray() is not available for sparse sequence data; use as_sequences(variable)")
            import scipy.sparse
            arr = self.asarray_dense()
            return scipy.sparse.csr_matrix(arr.reshape(-1, arr.shape[-1])) if arr.ndim <= 2 else \
                [scipy.sparse.csr_matrix(a.reshape(-1, arr.shape[-1])) for a in arr]
        return self.asarray_dense()

    def asarray_dense(self) -> np.ndarray:
        """The data as one dense array, sparse or not."""
        return (self._data if self._view is None else self._view).detach().cpu().numpy()

    @property
    def data(self) -> "Value":
        """The value itself (CNTK's NDArrayView role)."""
        return self

    def slice_view(self, start_offset: Sequence[int], extent: Sequence[int], read_only: bool = True) -> "Value":
        """The block of ``extent`` starting at ``start_offset`` (one offset per axis). With fewer
        extents than axes, the leading axes are indexed at their offset and dropped, as CNTK's
        NDArrayView does (e.g. ``[0, 0, 0]``, ``(3, 2)`` takes sample 0 of a ``(1, 3, 2)`` batch)."""
        start = [int(s) for s in start_offset]
        ext = [int(e) for e in extent]
        if len(start) != self._data.dim() or len(ext) > len(start):
            raise ValueError("slice_view: %d offsets and %d extents for a view of shape %s"
                             % (len(start), len(ext), tuple(self._data.shape)))
        dropped = len(start) - len(ext)
        index = tuple(start[:dropped]) + tuple(slice(s, s + e) for s, e in zip(start[dropped:], ext))
        return Value._from_padded(self._data[index], None, self._sparse)

    def deep_clone(self, read_only: bool = False) -> "Value":
        """An independent copy."""
        v = Value._from_padded(self._data.clone(), None if self._lengths is None else self._lengths.copy(), self._sparse)
        v._view = None if self._view is None else self._view.clone()
        if self._one_hot is not None:
            v._one_hot = self._one_hot.clone()
        return v

    def __len__(self) -> int:
        return int(self._data.shape[0])

    @staticmethod
    def one_hot(batch: Any, num_classes: int, dtype: Any = None, device: Any = None) -> "Value":
        """A sparse one-hot Value from class indices: a list of index lists is a batch of
        sequences; a flat list is a batch of single samples. Index ONE_HOT_SKIP gives a zero row."""
        dt = torch.float64 if dtype is not None and np.dtype(dtype) == np.float64 else torch.float32
        items = list(batch)
        is_seq = bool(items) and all(isinstance(s, (list, tuple, np.ndarray)) for s in items)
        seqs = [list(np.asarray(s).ravel()) for s in items] if is_seq else [[i] for i in items]
        for s in seqs:
            for i in s:
                if not (0 <= int(i) < num_classes or int(i) == ONE_HOT_SKIP):
                    raise ValueError("Value.one_hot: class index %r out of range [0, %d)" % (i, num_classes))
        max_len = max((len(s) for s in seqs), default=0)
        data = torch.zeros((len(seqs), max_len, num_classes), dtype=dt)
        for b, s in enumerate(seqs):
            for t, i in enumerate(s):
                if int(i) != ONE_HOT_SKIP:
                    data[b, t, int(i)] = 1.0
        lengths = np.array([len(s) for s in seqs], dtype=np.int64)
        if not is_seq:
            return Value._from_padded(data[:, 0], None, True) if max_len else Value._from_padded(data.reshape(0, num_classes), None, True)
        return Value._from_padded(data, lengths, True)

    def __repr__(self) -> str:
        return "Value(shape=%s, sparse=%s)" % (self.shape, self._sparse)


def _is_shape(x: Any) -> bool:
    return isinstance(x, (tuple, list)) and all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in x)


def _is_dtype(x: Any) -> bool:
    if x is None or isinstance(x, (list, tuple, np.ndarray)):
        return False
    if isinstance(x, int) and not isinstance(x, bool):
        return x in (1, 2, 4)
    try:
        return np.dtype(x).kind == "f"
    except TypeError:
        return False


def _torch_dtype(x: Any) -> torch.dtype:
    if isinstance(x, int) and not isinstance(x, bool):
        return {1: torch.float32, 2: torch.float64, 4: torch.float16}[x]
    return {np.float64: torch.float64, np.float16: torch.float16}.get(np.dtype(x).type, torch.float32)


def pad_sequences(seqs: List[np.ndarray], dtype: Any = None) -> tuple:
    """Stack arrays of different lengths into a zero-padded ``[B, T, *S]`` tensor plus lengths."""
    if not seqs:
        return torch.zeros(0, 0), np.zeros(0, dtype=np.int64)
    lengths = np.array([s.shape[0] if s.ndim else 1 for s in seqs], dtype=np.int64)
    sample_shape = seqs[0].shape[1:]
    for i, s in enumerate(seqs):
        if s.shape[1:] != sample_shape:
            raise ValueError("sequence %d has sample shape %s, sequence 0 has %s" % (i, s.shape[1:], sample_shape))
    np_dtype = dtype or np.result_type(*[s.dtype for s in seqs])
    out = np.zeros((len(seqs), int(lengths.max()) if len(lengths) else 0) + sample_shape, dtype=np_dtype)
    for i, s in enumerate(seqs):
        out[i, :lengths[i]] = s
    return torch.as_tensor(out), lengths
