"""Deserializers: objects that know how to turn a data source into a `SequenceStore`."""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from .ctf_parser import load_ctf
from .store import Column, SequenceStore
from .streams import StreamDef, StreamInformation, sample_shape, stream_defs_from

_CACHE_LIMIT = 8
_cache: "OrderedDict[Tuple, SequenceStore]" = OrderedDict()
_cache_lock = threading.Lock()


def _stream_key(streams: Dict[str, StreamDef]) -> Tuple:
    return tuple(sorted((n, sd.get("field"), tuple(sample_shape(sd.get("shape"))), bool(sd.get("is_sparse")))
                        for n, sd in streams.items()))


def clear_cache() -> None:
    """Forget parsed files (they are otherwise kept while the file on disk is unchanged)."""
    with _cache_lock:
        _cache.clear()


class Deserializer:
    """Base of the deserializers a `MinibatchSource` accepts."""

    #: StreamDef by user-visible stream name.
    streams: Dict[str, StreamDef]

    def _load(self, max_errors: int = 0, capacity: int = 1) -> SequenceStore:
        """The deserializer's sequences; at most ``capacity`` chunks of sample data stay in memory."""
        raise NotImplementedError


class CTFDeserializer(Deserializer):
    """Read a CNTK Text Format file.

    Args:
        filename: path of the ``.ctf`` file.
        streams: `StreamDefs` naming each stream and saying which ``|field`` it reads, its
            dimension and whether it is sparse.

    The file is read once, on first use, in chunks of whole sequences (32 MB of text): the
    reader keeps an index of all sequences and the data of as many chunks as its randomization
    window holds; other chunks are parsed again when needed. The result is shared by all readers
    of the same (unchanged) file.
    """

    def __init__(self, filename: str, streams: Any) -> None:
        if not isinstance(filename, (str, os.PathLike)):
            raise TypeError("CTFDeserializer: filename must be a path, got %r" % (type(filename).__name__,))
        self.filename = os.fspath(filename)
        self.streams = stream_defs_from(streams)
        if not self.streams:
            raise ValueError("CTFDeserializer: at least one stream must be declared")
        for name, sd in self.streams.items():
            if sd.get("shape") is None:
                raise ValueError("CTFDeserializer: stream %r needs a shape" % name)

    def _load(self, max_errors: int = 0, capacity: int = 1) -> SequenceStore:
        if not os.path.exists(self.filename):
            raise FileNotFoundError("CTFDeserializer: no such file: %r" % self.filename)
        st = os.stat(self.filename)
        key = (os.path.abspath(self.filename), st.st_mtime_ns, st.st_size, _stream_key(self.streams), max_errors)
        with _cache_lock:
            if key in _cache:
                _cache.move_to_end(key)
                _cache[key].reserve(capacity)
                return _cache[key]
        store = load_ctf(self.filename, self.streams, max_errors=max_errors, capacity=capacity)
        with _cache_lock:
            _cache[key] = store
            while len(_cache) > _CACHE_LIMIT:
                _cache.popitem(last=False)
        return store

    def __repr__(self) -> str:
        return "CTFDeserializer(%r, %s)" % (self.filename, list(self.streams))


def column_from_sequences(data: Any, is_sequence: bool, is_sparse: Optional[bool] = None,
                          shape: Optional[tuple] = None) -> Column:
    """Build a `Column` from in-memory data.

    ``data``: a numpy array (first axis = sequences, each of length 1 unless ``is_sequence``
    in which case the array is ``[num_sequences, length, *shape]``), a SciPy sparse matrix (rows =
    length-1 sequences), or a list with one array / sparse matrix per sequence.
    """
    import scipy.sparse as sp
    if isinstance(data, (list, tuple)):
        seqs = list(data)
        if not is_sequence:
            seqs = [s[None] if isinstance(s, np.ndarray) else s for s in seqs]
    elif sp.issparse(data):
        m = sp.csr_matrix(data)
        return Column(shape or (m.shape[1],), True, np.ones(m.shape[0], np.int64),
                      indptr=m.indptr.astype(np.int64), indices=m.indices.astype(np.int64),
                      data=m.data.astype(np.float32))
    else:
        arr = np.asarray(data)
        if arr.dtype == object:
            seqs = list(arr)
        elif is_sequence:
            if arr.ndim < 2:
                raise ValueError("sequence data must be at least 2-D (sequences, steps, ...), got shape %s" % (arr.shape,))
            n, t = arr.shape[:2]
            return Column(shape or arr.shape[2:], False, np.full(n, t, np.int64),
                          values=np.ascontiguousarray(arr.reshape(n * t, -1)))
        else:
            n = arr.shape[0] if arr.ndim else 1
            return Column(shape or arr.shape[1:], False, np.ones(n, np.int64),
                          values=np.ascontiguousarray(arr.reshape(n, -1)))
    if not seqs:
        raise ValueError("data is empty")
    if any(sp.issparse(s) for s in seqs) or is_sparse:
        mats = [sp.csr_matrix(s) if not sp.issparse(s) else sp.csr_matrix(s) for s in seqs]
        mats = [m if m.ndim == 2 else m.reshape(1, -1) for m in mats]
        big = sp.vstack(mats, format="csr")
        lengths = np.array([m.shape[0] for m in mats], np.int64)
        return Column(shape or (big.shape[1],), True, lengths, indptr=big.indptr.astype(np.int64),
                      indices=big.indices.astype(np.int64), data=big.data.astype(np.float32))
    arrs = [np.asarray(s) for s in seqs]
    arrs = [a.reshape(-1, 1) if a.ndim == 1 and (shape == (1,) or shape is None and all(x.ndim == 1 for x in arrs))
            else a for a in arrs]
    sshape = shape or arrs[0].shape[1:]
    lengths = np.array([a.shape[0] for a in arrs], np.int64)
    values = np.concatenate([a.reshape(a.shape[0], -1) for a in arrs], axis=0) if arrs else np.zeros((0, 1))
    return Column(sshape, False, lengths, values=values)


class UserDeserializer(Deserializer):
    """Base class for deserializers written in Python.

    Override ``stream_infos()`` (a list of `StreamInformation`), ``num_chunks()`` and
    ``get_chunk(chunk_id)``, which returns a dict stream name -> data for that chunk: a list
    with one array (or SciPy CSR matrix) per sequence, or a numpy array / CSR matrix whose
    rows are sequences of length 1. All chunks must hold the same number of sequences per stream.
    """

    def stream_infos(self) -> List[StreamInformation]:
        raise NotImplementedError("UserDeserializer subclasses must implement stream_infos()")

    def num_chunks(self) -> int:
        raise NotImplementedError("UserDeserializer subclasses must implement num_chunks()")

    def get_chunk(self, chunk_id: int) -> Dict[str, Any]:
        raise NotImplementedError("UserDeserializer subclasses must implement get_chunk(chunk_id)")

    @property
    def streams(self) -> Dict[str, StreamDef]:  # type: ignore[override]
        return {si.name: StreamDef(field=si.name, shape=si.shape, is_sparse=si.is_sparse,
                                   defines_mb_size=si.defines_mb_size) for si in self.stream_infos()}

    def _load(self, max_errors: int = 0, capacity: int = 1) -> SequenceStore:
        infos = {si.name: si for si in self.stream_infos()}
        parts: Dict[str, List[Column]] = {n: [] for n in infos}
        chunk_ids: List[np.ndarray] = []
        for c in range(int(self.num_chunks())):
            chunk = self.get_chunk(c)
            n_here = None
            for name, si in infos.items():
                if name not in chunk:
                    raise ValueError("get_chunk(%d) has no data for stream %r" % (c, name))
                data = chunk[name]
                col = column_from_sequences(data, isinstance(data, (list, tuple)), si.is_sparse, si.shape)
                if n_here is not None and len(col.lengths) != n_here:
                    raise ValueError("get_chunk(%d): streams hold different numbers of sequences" % c)
                n_here = len(col.lengths)
                parts[name].append(col)
            chunk_ids.append(np.full(n_here or 0, c, np.int64))
        columns = {n: concat_columns(cols) for n, cols in parts.items()}
        chunks = np.concatenate(chunk_ids) if chunk_ids else np.zeros(0, np.int64)
        return SequenceStore.from_columns(columns, np.arange(len(chunks), dtype=np.int64), chunks)


def concat_columns(cols: List[Column]) -> Column:
    """Sequences of several columns one after another."""
    first = cols[0]
    lengths = np.concatenate([c.lengths for c in cols])
    if not first.is_sparse:
        return Column(first.shape, False, lengths, values=np.concatenate([c.values for c in cols]))
    nnz = np.concatenate([np.diff(c.indptr) for c in cols])
    indptr = np.zeros(len(nnz) + 1, np.int64)
    np.cumsum(nnz, out=indptr[1:])
    return Column(first.shape, True, lengths, indptr=indptr, indices=np.concatenate([c.indices for c in cols]),
                  data=np.concatenate([c.data for c in cols]))
