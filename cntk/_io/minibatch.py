"""`MinibatchData`: one stream's share of a minibatch, as returned by ``next_minibatch``."""
from __future__ import annotations

from typing import Any, List

import numpy as np


class MinibatchData:
    """The data of one stream in one minibatch, with its counts.

    Args:
        value: the data as a `cntk.core.Value` (padded sequences plus lengths).
        num_sequences: number of sequences (or sequence pieces) in the minibatch.
        num_samples: number of samples of this stream (the sum of its sequence lengths).
        sweep_end: True when the minibatch holds the last sequence of a sweep.
    """

    def __init__(self, value: Any, num_sequences: int, num_samples: int, sweep_end: bool) -> None:
        self._value = value
        self._num_sequences = int(num_sequences)
        self._num_samples = int(num_samples)
        self._sweep_end = bool(sweep_end)

    @property
    def data(self) -> Any:
        """The underlying `cntk.core.Value`."""
        return self._value

    @property
    def value(self) -> Any:
        """Alias of `data`."""
        return self._value

    @property
    def num_sequences(self) -> int:
        """Number of sequences in this minibatch."""
        return self._num_sequences

    @property
    def num_samples(self) -> int:
        """Number of samples of this stream in this minibatch."""
        return self._num_samples

    number_of_sequences = num_sequences
    number_of_samples = num_samples

    @property
    def end_of_sweep(self) -> bool:
        """True when this minibatch contains the last sequence of a sweep (it may also hold data of the next)."""
        return self._sweep_end

    @property
    def sweep_end(self) -> bool:
        """Alias of `end_of_sweep`."""
        return self._sweep_end

    @property
    def is_sparse(self) -> bool:
        """Whether the stream is sparse."""
        return self._value.is_sparse

    @property
    def shape(self) -> tuple:
        """``(num_sequences, max_length, *sample_shape)``."""
        return self._value.shape

    @property
    def mask(self) -> np.ndarray:
        """``(num_sequences, max_length)`` ints: 2 where a sequence starts, 1 on other valid steps, 0 on padding."""
        return self._value.mask

    def as_sequences(self, variable: Any = None) -> List[Any]:
        """One array per sequence, padding removed (SciPy CSR matrices for sparse data, which need ``variable``)."""
        return self._value.as_sequences(variable)

    def asarray(self) -> np.ndarray:
        """The dense array ``(num_sequences, max_length, *sample_shape)``, zero-padded.

        Sparse streams are densified as CNTK does, which needs all sequences to have the same
        length (e.g. one sample each); otherwise ValueError (use `as_sequences`).
        """
        if self._value.is_sparse:
            if not (np.asarray(self._value.mask) > 0).all():
                raise ValueError("asarray() of sparse data needs sequences of equal length; use "
                                 "as_sequences(variable) for sparse sequences of different lengths")
            return self._value.asarray_dense()
        return self._value.asarray()

    def __len__(self) -> int:
        return self._num_sequences

    def __repr__(self) -> str:
        return "MinibatchData(num_sequences=%d, num_samples=%d, sweep_end=%s, shape=%s)" % (
            self._num_sequences, self._num_samples, self._sweep_end, self.shape)
