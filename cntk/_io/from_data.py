"""Minibatch sources written in Python: the `UserMinibatchSource` base and `MinibatchSourceFromData`."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import numpy as np
import torch

from cntk._core.value import Value

from .constants import INFINITELY_REPEAT
from .deserializers import column_from_sequences
from .minibatch import MinibatchData
from .source import resolve_dtype
from .store import Column
from .streams import Record, StreamInformation


class UserMinibatchSource:
    """Base class for minibatch sources implemented in Python.

    Subclasses implement ``stream_infos()`` (a list of `StreamInformation`) and
    ``next_minibatch(num_samples, number_of_workers, worker_rank, device=None)`` returning
    ``{StreamInformation: MinibatchData}`` (``{}`` at the end), and may override
    ``get_checkpoint_state()`` / ``restore_from_checkpoint(state)``.
    """

    def stream_infos(self) -> List[StreamInformation]:
        raise NotImplementedError("UserMinibatchSource subclasses must implement stream_infos()")

    @property
    def streams(self) -> Record:
        """Record of `StreamInformation` by stream name."""
        return Record(**{si.name: si for si in self.stream_infos()})

    def stream_info(self, name: str) -> StreamInformation:
        """The `StreamInformation` of stream ``name``."""
        for si in self.stream_infos():
            if si.name == name:
                return si
        raise KeyError("no stream named %r" % name)

    def __getitem__(self, name: str) -> StreamInformation:
        return self.stream_info(name)

    def next_minibatch(self, num_samples: int, number_of_workers: int = 1, worker_rank: int = 0,
                       device: Any = None) -> Dict[StreamInformation, MinibatchData]:
        raise NotImplementedError("UserMinibatchSource subclasses must implement next_minibatch()")

    def get_checkpoint_state(self) -> Dict[str, Any]:
        """State to save with a checkpoint (empty by default)."""
        return {}

    def restore_from_checkpoint(self, state: Dict[str, Any]) -> None:
        """Restore a state returned by `get_checkpoint_state` (nothing to do by default)."""

    def is_infinite(self) -> bool:
        """Whether the source never ends (False unless overridden)."""
        return False


def _type_info(t: Any):
    """(is_sequence, is_sparse, shape, dtype) of a CNTK variable type (duck-typed)."""
    axes = getattr(t, "dynamic_axes", None) or ()
    is_seq = len(axes) > 1
    shape = getattr(t, "shape", None)
    try:
        shape = tuple(shape) if shape is not None else None
        if shape is not None and any((not isinstance(d, (int, np.integer))) or d < 0 for d in shape):
            shape = None
    except TypeError:
        shape = None
    return is_seq, getattr(t, "is_sparse", None), shape, getattr(t, "dtype", None)


def _float_type(dtype: Any) -> Any:
    try:
        return np.float64 if np.dtype(dtype) == np.float64 else np.float32
    except TypeError:
        return np.float32


class MinibatchSourceFromData(UserMinibatchSource):
    """Serve in-memory data (NumPy arrays, SciPy CSR matrices, or lists of them) as a minibatch source.

    Args:
        data_streams: ``{name: data}`` or ``{name: (data, type)}`` where ``type`` is a variable
            type such as ``Sequence[Tensor[3]]`` (only then is the data read as sequences:
            ``data`` is a list of per-sequence arrays). Without a type, the first axis indexes samples.
        max_samples: stop after this many samples (each sequence counts with its longest stream).

    Data are served in order, without shuffling; a minibatch never crosses the end of the data.
    """

    def __init__(self, data_streams: Dict[str, Any], max_samples: int = INFINITELY_REPEAT) -> None:
        import scipy.sparse as sp
        if not data_streams:
            raise ValueError("MinibatchSourceFromData: at least one stream is required, as name=data or name=(data, type)")
        self._columns: Dict[str, Column] = {}
        self._dtypes: Dict[str, Any] = {}
        infos = []
        n = None
        for i, (name, arg) in enumerate(data_streams.items()):
            if isinstance(arg, tuple):
                value, t = arg
                is_seq, is_sparse, shape, dtype = _type_info(t)
            else:
                value, is_seq, is_sparse, shape, dtype = arg, False, None, None, None
            first = value[0] if isinstance(value, list) and value else value
            if not isinstance(first, (np.ndarray, Value)) and not sp.issparse(first):
                raise TypeError("MinibatchSourceFromData: %r must be a numpy array or scipy.sparse.csr_matrix, or a"
                                " list of those, got %r" % (name, type(first).__name__))
            if isinstance(value, Value):
                value = value.asarray() if not value.is_sparse else value.as_sequences(True)
            if is_sparse is None:
                is_sparse = sp.issparse(first)
            col = column_from_sequences(value, is_seq, bool(is_sparse), shape)
            if dtype is None:
                dtype = getattr(first, "dtype", np.float32)
            if len(col.lengths) == 0:
                raise ValueError("MinibatchSourceFromData: %r is empty" % name)
            if n is None:
                n = len(col.lengths)
            elif n != len(col.lengths):
                raise ValueError("MinibatchSourceFromData: all streams must have the same number of sequences"
                                 " (%r has %d, expected %d)" % (name, len(col.lengths), n))
            self._columns[name] = col
            self._dtypes[name] = _float_type(dtype)
            infos.append(StreamInformation(name, i, "sparse" if is_sparse else "dense", self._dtypes[name], col.shape))
        self._infos = infos
        self._n = int(n)
        self._sizes = np.max(np.stack([c.lengths for c in self._columns.values()]), axis=0)
        self._max_samples = float("inf") if max_samples == INFINITELY_REPEAT else int(max_samples)
        self._cursor = 0
        self._total = 0

    def stream_infos(self) -> List[StreamInformation]:
        """The streams, in the order given."""
        return list(self._infos)

    def next_minibatch(self, num_samples: int, number_of_workers: int = 1, worker_rank: int = 0,
                       device: Any = None, input_map: Optional[Dict[Any, Any]] = None,
                       num_data_partitions: Optional[int] = None,
                       partition_index: Optional[int] = None) -> Dict[Any, MinibatchData]:
        """Up to ``num_samples`` samples from the current position (at least one sequence), never
        crossing the end of the data; ``{}`` once ``max_samples`` have been served."""
        if num_data_partitions:
            number_of_workers = int(num_data_partitions)
            worker_rank = int(partition_index or 0)
        if self._total >= self._max_samples:
            return {}
        begin = self._cursor
        cum = np.cumsum(self._sizes[begin:])
        limit = min(num_samples, self._max_samples - self._total)
        count = int(np.searchsorted(cum, limit, side="right"))
        count = max(count, 1)
        end = begin + count
        self._total += int(cum[count - 1])
        at_end = end == self._n
        sweep_end = at_end or self._total >= self._max_samples
        seqs = np.arange(begin + worker_rank, end + worker_rank, number_of_workers, dtype=np.int64)
        seqs = seqs[seqs < self._n]
        if input_map is None:
            targets = [(si, si, self._dtypes[si.name]) for si in self._infos]
        else:
            by_name = {si.name: si for si in self._infos}
            targets = []
            for var, si in input_map.items():
                si = by_name[si if isinstance(si, str) else si.name]
                targets.append((var, si, resolve_dtype(var)))
        result: Dict[Any, MinibatchData] = {}
        for key, si, dtype in targets:
            array, lengths = self._columns[si.name].gather(seqs, None, None, dtype)
            result[key] = MinibatchData(Value._from_padded(torch.from_numpy(array), lengths, si.is_sparse), end - begin,
                                        int(lengths.sum()), sweep_end)
        self._cursor = 0 if at_end else end
        return result

    def get_checkpoint_state(self) -> Dict[str, Any]:
        """``{'cursor': next sequence, 'total_num_samples': samples served}``."""
        return dict(cursor=self._cursor, total_num_samples=self._total)

    def restore_from_checkpoint(self, checkpoint: Dict[str, Any]) -> None:
        """Continue from a state returned by `get_checkpoint_state`."""
        self._cursor = int(checkpoint["cursor"])
        self._total = int(checkpoint["total_num_samples"])

    def is_infinite(self) -> bool:
        """True when no ``max_samples`` limit was given."""
        return self._max_samples == float("inf")
