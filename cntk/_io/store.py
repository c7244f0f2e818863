"""In-memory sequence data as flat arrays, and vectorised assembly of padded minibatch tensors.

A *column* holds one stream for all sequences: the samples of every sequence one after
another (``offsets[i]`` is where sequence i starts, ``lengths[i]`` how many samples it has).
Dense columns keep a ``[num_samples, dim]`` array; sparse columns keep CSR arrays
(``indptr``, ``indices``, ``data``) with one row per sample; duplicate entries are kept and
summed when a minibatch is assembled.
"""
from __future__ import annotations

from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch

_TORCH = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64, np.dtype(np.float16): torch.float16}


def torch_dtype(dtype) -> torch.dtype:
    """The torch dtype of a numpy float type (float32 when unknown)."""
    return _TORCH.get(np.dtype(dtype if dtype is not None else np.float32), torch.float32)


class Column:
    """One stream of a `SequenceStore` (see the module docstring)."""

    def __init__(self, shape: Tuple[int, ...], is_sparse: bool, lengths: np.ndarray,
                 values: Optional[np.ndarray] = None, indptr: Optional[np.ndarray] = None,
                 indices: Optional[np.ndarray] = None, data: Optional[np.ndarray] = None) -> None:
        self.shape = tuple(shape)
        self.dim = int(np.prod(self.shape)) if self.shape else 1
        self.is_sparse = bool(is_sparse)
        self.lengths = np.asarray(lengths, dtype=np.int64)
        self.offsets = np.zeros(len(self.lengths), dtype=np.int64)
        if len(self.lengths) > 1:
            np.cumsum(self.lengths[:-1], out=self.offsets[1:])
        self.values = values            # dense: [num_samples, dim]
        self.indptr = indptr            # sparse: [num_samples + 1]
        self.indices = indices          # sparse: [nnz]
        self.data = data                # sparse: [nnz]

    @property
    def num_samples(self) -> int:
        """Total samples over all sequences."""
        return int(self.lengths.sum())

    def take(self, seq: np.ndarray) -> "Column":
        """A new column holding only the sequences ``seq`` (in that order)."""
        seq = np.asarray(seq, dtype=np.int64)
        lengths = self.lengths[seq]
        src = _sample_indices(self.offsets[seq], lengths)
        if not self.is_sparse:
            return Column(self.shape, False, lengths, values=self.values[src])
        nnz = self.indptr[src + 1] - self.indptr[src]
        ent = _sample_indices(self.indptr[src], nnz)
        indptr = np.zeros(len(src) + 1, dtype=np.int64)
        np.cumsum(nnz, out=indptr[1:])
        return Column(self.shape, True, lengths, indptr=indptr, indices=self.indices[ent], data=self.data[ent])

    def sequence(self, i: int, begin: int = 0, count: Optional[int] = None) -> np.ndarray:
        """The samples of sequence i as a dense ``[n, *shape]`` array (for tests and tools)."""
        t, lens = self.gather(np.array([i]), None if begin == 0 else np.array([begin]),
                              None if count is None else np.array([count]), np.float64)
        return t[0, :int(lens[0])].numpy()

    def gather(self, seq: np.ndarray, begin: Optional[np.ndarray] = None, count: Optional[np.ndarray] = None,
               dtype=np.float32) -> Tuple[torch.Tensor, np.ndarray]:
        """Zero-padded ``[B, T, *shape]`` tensor of sequences ``seq`` plus their lengths.

        ``begin``/``count`` select a sub-range of every sequence (truncated BPTT pieces).
        """
        seq = np.asarray(seq, dtype=np.int64)
        counts = self.lengths[seq] if count is None else np.asarray(count, dtype=np.int64)
        starts = self.offsets[seq] if begin is None else self.offsets[seq] + np.asarray(begin, dtype=np.int64)
        B = len(seq)
        T = int(counts.max()) if B else 0
        src = _sample_indices(starts, counts)
        bt = _padded_positions(counts, T)         # flat (b * T + t) of each sample
        np_dtype = np.dtype(dtype)
        if not self.is_sparse:
            out = np.zeros((B * T, self.dim), dtype=np_dtype)
            if len(src):
                out[bt] = self.values[src]
        else:
            nnz = self.indptr[src + 1] - self.indptr[src]
            ent = _sample_indices(self.indptr[src], nnz)
            flat = np.repeat(bt, nnz) * self.dim + self.indices[ent]
            if len(flat) and len(np.unique(flat)) != len(flat):
                out = np.bincount(flat, weights=self.data[ent], minlength=B * T * self.dim).astype(np_dtype)
            else:
                out = np.zeros(B * T * self.dim, dtype=np_dtype)
                out[flat] = self.data[ent]
        return torch.from_numpy(out.reshape((B, T) + self.shape)), counts


def _sample_indices(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenation of ``range(starts[i], starts[i] + counts[i])`` for all i, without a Python loop."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.cumsum(counts) - counts
    return np.repeat(starts - first, counts) + np.arange(total, dtype=np.int64)


def _padded_positions(counts: np.ndarray, T: int) -> np.ndarray:
    """Flat positions ``b * T + t`` of the valid steps of a padded ``[B, T]`` layout."""
    B = len(counts)
    starts = np.arange(B, dtype=np.int64) * T
    return _sample_indices(starts, counts)


class SequenceStore:
    """All sequences of one deserializer: one `Column` per stream, sequence keys and chunk ids.

    ``keys`` are the sequence ids used to join several deserializers (CTF: the sequence id,
    or the line number when the file has no ids). ``chunks`` says which chunk of the source
    each sequence came from (the unit the randomizer moves).
    """

    def __init__(self, columns: Dict[str, Column], keys: np.ndarray, chunks: Optional[np.ndarray] = None) -> None:
        self.columns = columns
        self.keys = np.asarray(keys, dtype=np.int64)
        self.num_sequences = len(self.keys)
        self.chunks = np.zeros(self.num_sequences, dtype=np.int64) if chunks is None else np.asarray(chunks, dtype=np.int64)
        for name, c in columns.items():
            if len(c.lengths) != self.num_sequences:
                raise ValueError("stream %r has %d sequences, expected %d" % (name, len(c.lengths), self.num_sequences))

    def take(self, seq: np.ndarray) -> "SequenceStore":
        """The sequences ``seq`` only, in that order."""
        seq = np.asarray(seq, dtype=np.int64)
        return SequenceStore({n: c.take(seq) for n, c in self.columns.items()}, self.keys[seq], self.chunks[seq])


def join_stores(stores: Sequence[SequenceStore]) -> SequenceStore:
    """Join deserializers by sequence key: the first one decides the order; sequences whose key
    is missing from any other deserializer are dropped (as CNTK does)."""
    primary = stores[0]
    if len(stores) == 1:
        return primary
    keep = np.ones(primary.num_sequences, dtype=bool)
    picks = []
    for other in stores[1:]:
        order = np.argsort(other.keys, kind="stable")
        sorted_keys = other.keys[order]
        pos = np.searchsorted(sorted_keys, primary.keys)
        pos_c = np.minimum(pos, max(len(sorted_keys) - 1, 0))
        found = (pos < len(sorted_keys)) & (sorted_keys[pos_c] == primary.keys) if len(sorted_keys) else np.zeros_like(keep)
        keep &= found
        picks.append(order[pos_c])
    idx = np.nonzero(keep)[0]
    columns: Dict[str, Column] = {}
    for name, c in primary.columns.items():
        columns[name] = c.take(idx)
    for other, pick in zip(stores[1:], picks):
        for name, c in other.columns.items():
            if name in columns:
                raise ValueError("stream %r is declared by two deserializers" % name)
            columns[name] = c.take(pick[idx])
    return SequenceStore(columns, primary.keys[idx], primary.chunks[idx])
