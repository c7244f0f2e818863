"""Sequence data as flat arrays, held chunk by chunk, and vectorised assembly of padded minibatch tensors.

A `Column` holds one stream for a run of sequences: the samples of every sequence one after
another (``offsets[i]`` is where sequence i starts, ``lengths[i]`` how many samples it has).
Dense columns keep a ``[num_samples, dim]`` array; sparse columns keep CSR arrays (``indptr``,
``indices``, ``data``) with one row per sample; duplicate entries are summed when a minibatch is
assembled.

A `SequenceStore` is what one deserializer delivers: an index that is always in memory (sequence
keys, the chunk of every sequence, every sequence's length per stream) and the samples as
`Column`s per block of consecutive sequences. Blocks are loaded on demand and at most
``capacity`` of them stay in memory, so a reader's memory is bounded by its randomization window,
not by the size of its input. `JoinedStore` joins several stores by sequence key.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

#: sequence indices, or a slice of consecutive ones
Selection = Union[np.ndarray, slice]


class Column:
    """One stream of a run of sequences (see the module docstring)."""

    def __init__(self, shape: Tuple[int, ...], is_sparse: bool, lengths: np.ndarray,
                 values: Optional[np.ndarray] = None, indptr: Optional[np.ndarray] = None,
                 indices: Optional[np.ndarray] = None, data: Optional[np.ndarray] = None) -> None:
        self.shape = tuple(shape)
        self.dim = int(np.prod(self.shape)) if self.shape else 1
        self.is_sparse = bool(is_sparse)
        self.lengths = np.asarray(lengths, dtype=np.int64)
        self.offsets = np.zeros(len(self.lengths) + 1, dtype=np.int64)
        np.cumsum(self.lengths, out=self.offsets[1:])
        self.values = values            # dense: [num_samples, dim] (None in an index-only chunk)
        self.indptr = indptr            # sparse: [num_samples + 1]
        self.indices = indices          # sparse: [nnz]
        self.data = data                # sparse: [nnz]
        self._duplicates: Optional[bool] = None

    def take(self, seq: np.ndarray) -> "Column":
        """A new column holding only the sequences ``seq`` (in that order)."""
        seq = np.asarray(seq, dtype=np.int64)
        lengths = self.lengths[seq]
        src = concat_ranges(self.offsets[seq], lengths)
        if not self.is_sparse:
            return Column(self.shape, False, lengths, values=None if self.values is None else self.values[src])
        nnz = self.indptr[src + 1] - self.indptr[src]
        ent = concat_ranges(self.indptr[src], nnz)
        indptr = np.zeros(len(src) + 1, dtype=np.int64)
        np.cumsum(nnz, out=indptr[1:])
        return Column(self.shape, True, lengths, indptr=indptr, indices=self.indices[ent], data=self.data[ent])

    def sequence(self, i: int) -> np.ndarray:
        """The samples of sequence i as a dense ``[n, *shape]`` float64 array (for tests and tools)."""
        out, lens = self.gather(slice(i, i + 1), dtype=np.float64)
        return out[0, :int(lens[0])]

    def gather(self, seq: Selection, begin: Optional[np.ndarray] = None, count: Optional[np.ndarray] = None,
               dtype=np.float32, one_hot: bool = False) -> Tuple[Optional[np.ndarray], np.ndarray]:
        """Zero-padded ``[B, T, *shape]`` array of sequences ``seq`` plus their lengths.

        ``seq``: sequence indices, or a slice of consecutive sequences. ``begin``/``count``
        select a sub-range of every sequence (truncated BPTT pieces). With ``one_hot``, instead of
        the array: the ``[B, T]`` int64 index of each sample's single entry of value 1 (-1 where a
        sample has none, and for padding), or None unless every sample is such (or empty).
        """
        counts = self.lengths[seq] if count is None else np.asarray(count, dtype=np.int64)
        B = len(counts)
        T = int(counts.max()) if B else 0
        if isinstance(seq, slice) and begin is None:
            src: Selection = slice(int(self.offsets[seq.start]), int(self.offsets[seq.stop]))
            n = src.stop - src.start
        else:
            first = self.offsets[seq] if begin is None else self.offsets[seq] + begin
            src = concat_ranges(first, counts)
            n = len(src)
        pos = None if n == B * T else (np.arange(T) < counts[:, None]).ravel().nonzero()[0]   # valid steps, if padded
        np_dtype = np.dtype(dtype)
        if one_hot and not self.is_sparse:
            return None, counts
        if not self.is_sparse:
            if pos is None:
                out = self.values[src].astype(np_dtype)
            else:
                out = np.zeros((B * T, self.dim), dtype=np_dtype)
                out[pos] = self.values[src]
            return out.reshape((B, T) + self.shape), counts
        if isinstance(src, slice):
            ptr = self.indptr[src.start:src.stop + 1]
            nnz = ptr[1:] - ptr[:-1]
            ent: Selection = slice(int(ptr[0]), int(ptr[-1]))
        else:
            nnz = self.indptr[src + 1] - self.indptr[src]
            ent = concat_ranges(self.indptr[src], nnz)
        rows = np.arange(B * T, dtype=np.int64) if pos is None else pos
        if one_hot:
            return self._one_hot_indices(rows, nnz, ent, B, T), counts
        flat = (rows * self.dim).repeat(nnz)
        flat += self.indices[ent]
        out = np.zeros(B * T * self.dim, dtype=np_dtype)
        if self.has_duplicates:
            np.add.at(out, flat, self.data[ent])
        else:
            out[flat] = self.data[ent]
        return out.reshape((B, T) + self.shape), counts

    def _one_hot_indices(self, rows: np.ndarray, nnz: np.ndarray, ent: Selection, B: int, T: int
                         ) -> Optional[np.ndarray]:
        """See `gather` (``rows``: the padded positions of the samples, ``nnz``/``ent``: their entries)."""
        if (nnz > 1).any() or (self.data[ent] != 1).any():
            return None
        idx = np.full(B * T, -1, dtype=np.int64)
        idx[rows[nnz == 1]] = self.indices[ent]
        return idx.reshape(B, T)

    @property
    def has_duplicates(self) -> bool:
        """Whether some sparse sample lists an index twice (its entries are then summed)."""
        if self._duplicates is None:
            nnz = np.diff(self.indptr)
            key = np.repeat(np.arange(len(nnz), dtype=np.int64) * self.dim, nnz) + self.indices
            ordered = len(key) < 2 or bool((np.diff(key) > 0).all())
            self._duplicates = not ordered and bool((np.diff(np.sort(key)) == 0).any())
        return self._duplicates


def as_selection(seqs: np.ndarray) -> Selection:
    """``seqs`` as a slice when the indices are consecutive (cheaper to gather), else unchanged."""
    n = len(seqs)
    if n and int(seqs[-1]) - int(seqs[0]) == n - 1 and (n < 3 or bool(((seqs[1:] - seqs[:-1]) == 1).all())):
        return slice(int(seqs[0]), int(seqs[0]) + n)
    return seqs


def concat_ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenation of ``range(starts[i], starts[i] + counts[i])`` for all i, without a Python loop."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.cumsum(counts) - counts
    return np.repeat(starts - first, counts) + np.arange(total, dtype=np.int64)


Block = Dict[str, Column]


def _as_tensor(array: Optional[np.ndarray]) -> Optional[torch.Tensor]:
    return None if array is None else torch.from_numpy(array)


class SequenceStore:
    """The sequences of one deserializer (see the module docstring).

    Args:
        keys: sequence ids used to join deserializers (CTF: the sequence id, or the line
            number when the file has no ids).
        chunks: the randomization chunk of every sequence (the unit the randomizer moves).
        lengths: per stream, the number of samples of every sequence.
        shapes: per stream, (sample shape, is_sparse).
        block_sizes: sequences in each storage block (consecutive sequences).
        resident: blocks already in memory.
        load: loads a block that is not resident (None when all are).
        capacity: how many blocks may stay in memory at once.
    """

    def __init__(self, keys: np.ndarray, chunks: np.ndarray, lengths: Dict[str, np.ndarray],
                 shapes: Dict[str, Tuple[Tuple[int, ...], bool]], block_sizes: Sequence[int],
                 resident: Dict[int, Block], load: Optional[Callable[[int], Block]] = None,
                 capacity: int = 1) -> None:
        self.keys = np.asarray(keys, dtype=np.int64)
        self.num_sequences = len(self.keys)
        self.chunks = np.asarray(chunks, dtype=np.int64)
        self.lengths = lengths
        self.shapes = shapes
        self._starts = np.zeros(len(block_sizes) + 1, dtype=np.int64)
        np.cumsum(block_sizes, out=self._starts[1:])
        self._block = np.repeat(np.arange(len(block_sizes), dtype=np.int64), block_sizes)
        self._resident: "OrderedDict[int, Block]" = OrderedDict(sorted(resident.items()))
        self._load = load
        self.capacity = max(1, int(capacity), len(resident))
        self._lock = threading.Lock()
        self.loads = 0                 # blocks loaded on demand so far (for tests and benchmarks)

    @classmethod
    def from_columns(cls, columns: Dict[str, Column], keys: np.ndarray, chunks: Optional[np.ndarray] = None
                     ) -> "SequenceStore":
        """A store whose data is all in memory as one block."""
        n = len(keys)
        return cls(keys, np.zeros(n, np.int64) if chunks is None else chunks,
                   {name: c.lengths for name, c in columns.items()},
                   {name: (c.shape, c.is_sparse) for name, c in columns.items()}, [n], {0: columns})

    @property
    def num_blocks(self) -> int:
        """Storage blocks (resident or not)."""
        return len(self._starts) - 1

    @property
    def resident_blocks(self) -> List[int]:
        """The blocks now in memory."""
        return list(self._resident)

    def reserve(self, capacity: int) -> None:
        """Allow at least ``capacity`` blocks in memory."""
        self.capacity = max(self.capacity, int(capacity))

    def block(self, b: int) -> Block:
        """The columns of block ``b``, loading it (and dropping the least recently used) if needed."""
        with self._lock:
            got = self._resident.get(b)
            if got is not None:
                self._resident.move_to_end(b)
                return got
        if self._load is None:
            raise KeyError("block %d is not in memory" % b)
        got = self._load(b)
        with self._lock:
            self.loads += 1
            self._resident[b] = got
            while len(self._resident) > self.capacity:
                self._resident.popitem(last=False)
        return got

    def gather(self, name: str, seqs: Selection, begin: Optional[np.ndarray] = None,
               count: Optional[np.ndarray] = None, dtype=np.float32, one_hot: bool = False
               ) -> Tuple[Optional[torch.Tensor], np.ndarray]:
        """Zero-padded ``[B, T, *shape]`` tensor of stream ``name`` for sequences ``seqs`` (indices, or
        a slice of consecutive ones; see `as_selection`), and their lengths; with ``one_hot``, the
        one-hot indices instead, or None (see `Column.gather`)."""
        if isinstance(seqs, slice):
            b0 = int(self._block[seqs.start]) if seqs.stop > seqs.start else 0
            if seqs.stop <= self._starts[b0 + 1]:                         # within one block
                start = int(self._starts[b0])
                out, counts = self.block(b0)[name].gather(slice(seqs.start - start, seqs.stop - start), begin, count,
                                                          dtype, one_hot)
                return _as_tensor(out), counts
            seqs = np.arange(seqs.start, seqs.stop, dtype=np.int64)
        blocks = self._block[seqs]
        b0 = int(blocks[0]) if len(blocks) else 0
        if not len(blocks) or (blocks == b0).all():
            out, counts = self.block(b0)[name].gather(seqs - self._starts[b0], begin, count, dtype, one_hot)
            return _as_tensor(out), counts
        counts = self.lengths[name][seqs] if count is None else np.asarray(count, dtype=np.int64)
        shape, _ = self.shapes[name]
        T = int(counts.max())
        out = np.full((len(seqs), T), -1, dtype=np.int64) if one_hot else \
            np.zeros((len(seqs), T) + tuple(shape), dtype=np.dtype(dtype))
        for b in np.flatnonzero(np.bincount(blocks)).tolist():
            rows = np.flatnonzero(blocks == b)
            part, _ = self.block(b)[name].gather(seqs[rows] - self._starts[b], None if begin is None else begin[rows],
                                                 None if count is None else counts[rows], dtype, one_hot)
            if part is None:
                return None, counts
            out[rows, :part.shape[1]] = part
        return torch.from_numpy(out), counts


class JoinedStore:
    """Several stores joined by sequence key: the first decides the order; sequences whose key is
    missing from any other store are dropped (as CNTK does)."""

    def __init__(self, stores: Sequence[SequenceStore]) -> None:
        primary = stores[0]
        keep = np.ones(primary.num_sequences, dtype=bool)
        picks = []
        for other in stores[1:]:
            order = np.argsort(other.keys, kind="stable")
            sorted_keys = other.keys[order]
            pos = np.searchsorted(sorted_keys, primary.keys)
            pos_c = np.minimum(pos, max(len(sorted_keys) - 1, 0))
            found = (pos < len(sorted_keys)) & (sorted_keys[pos_c] == primary.keys) if len(sorted_keys) \
                else np.zeros_like(keep)
            keep &= found
            picks.append(order[pos_c])
        idx = np.flatnonzero(keep)
        self._parts: Dict[str, Tuple[SequenceStore, np.ndarray]] = {}
        for store, pick in zip(stores, [np.arange(primary.num_sequences)] + picks):
            for name in store.lengths:
                if name in self._parts:
                    raise ValueError("stream %r is declared by two deserializers" % name)
                self._parts[name] = (store, pick[idx])
        self._stores = list(stores)
        self.keys = primary.keys[idx]
        self.chunks = primary.chunks[idx]
        self.num_sequences = len(idx)
        self.lengths = {name: store.lengths[name][pick] for name, (store, pick) in self._parts.items()}
        self.shapes = {name: store.shapes[name] for name, (store, _) in self._parts.items()}

    def reserve(self, capacity: int) -> None:
        """Allow at least ``capacity`` blocks in memory in every joined store."""
        for s in self._stores:
            s.reserve(capacity)

    def gather(self, name: str, seqs: Selection, begin: Optional[np.ndarray] = None,
               count: Optional[np.ndarray] = None, dtype=np.float32, one_hot: bool = False
               ) -> Tuple[Optional[torch.Tensor], np.ndarray]:
        """As `SequenceStore.gather`."""
        store, pick = self._parts[name]
        return store.gather(name, as_selection(pick[seqs]), begin, count, dtype, one_hot)


#: what a `MinibatchSource` reads from: one deserializer's store, or several joined
Store = Union[SequenceStore, JoinedStore]


def join_stores(stores: Sequence[SequenceStore]) -> Store:
    """One store, or several joined by sequence key (`JoinedStore`)."""
    return stores[0] if len(stores) == 1 else JoinedStore(stores)
