"""The order in which sequences are delivered: sweeps, randomisation, partitioning, sample budgets.

A *sweep* is one pass over all sequences. Each sweep has its own order (the identity when not
randomizing, otherwise a permutation that depends only on the seed and the sweep number, so a
restored reader replays exactly); sweep ``k`` of a reader seeded with ``s`` is shuffled as sweep 0
of a reader seeded with ``s + k``, as in CNTK. With ``num_partitions`` workers, worker ``p`` gets
every ``num_partitions``-th sequence of the order starting at ``p`` (randomized or not; CNTK
handed whole chunks to workers when randomizing): the shares are disjoint and together cover the sweep.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np


class Timeline:
    """Sequence order per sweep and greedy minibatch selection by sample budget.

    Args:
        sizes: per-sequence size in samples (what a minibatch size counts).
        chunks: per-sequence chunk id (randomisation moves chunks, then shuffles inside a window).
        randomize: shuffle every sweep.
        seed: randomization seed.
        window_in_chunks: how many chunks are mixed together.
        window_in_samples: if > 0, mix blocks of about this many samples instead.
    """

    def __init__(self, sizes: np.ndarray, chunks: np.ndarray, randomize: bool, seed: int,
                 window_in_chunks: int, window_in_samples: int) -> None:
        self.sizes = np.asarray(sizes, dtype=np.int64)
        self.chunks = np.asarray(chunks, dtype=np.int64)
        self.randomize = bool(randomize)
        self.seed = int(seed)
        self.window_in_chunks = max(1, int(window_in_chunks))
        self.window_in_samples = int(window_in_samples)
        self._cache_key: Optional[Tuple[int, int, int]] = None
        self._order = np.zeros(0, dtype=np.int64)
        self._cum = np.zeros(0, dtype=np.int64)
        self._starts = np.zeros(0, dtype=np.int64)
        self._last_key: Optional[int] = None
        self._last = -1

    @property
    def num_sequences(self) -> int:
        return len(self.sizes)

    def global_order(self, sweep: int) -> np.ndarray:
        """All sequence indices in the order of sweep ``sweep``."""
        n = len(self.sizes)
        if not self.randomize or n <= 1:
            return np.arange(n, dtype=np.int64)
        rng = np.random.default_rng([(self.seed + sweep) & 0xFFFFFFFFFFFFFFFF, 0x0C7F])
        if self.window_in_samples > 0:
            group = np.cumsum(self.sizes) // self.window_in_samples       # consecutive blocks of samples
            ngroups = int(group[-1]) + 1
            rank = rng.permutation(ngroups)[group]
        else:
            present = np.bincount(self.chunks) > 0
            chunk_idx = (np.cumsum(present) - 1)[self.chunks]
            chunk_rank = rng.permutation(int(present.sum()))              # chunks in random order ...
            rank = chunk_rank[chunk_idx] // self.window_in_chunks         # ... mixed window by window
        return np.lexsort((rng.random(n), rank)).astype(np.int64)

    def in_file_order(self, num_partitions: int = 1) -> bool:
        """Whether every sweep delivers the sequences in file order (no shuffling, one worker)."""
        return (not self.randomize or len(self.sizes) <= 1) and num_partitions == 1

    def chunks_per_window(self) -> int:
        """The most chunks that one randomization window draws from."""
        if not self.randomize or len(self.sizes) == 0:
            return 1
        if self.window_in_samples <= 0:
            return self.window_in_chunks
        group = np.cumsum(self.sizes) // self.window_in_samples
        width = int(self.chunks.max()) + 1
        pairs = np.sort(group * width + self.chunks)                  # (window, chunk) pairs
        distinct = pairs[np.flatnonzero(np.diff(pairs, prepend=-1))]
        return int(np.bincount(distinct // width).max())

    def order(self, sweep: int, num_partitions: int = 1, partition: int = 0) -> Tuple[np.ndarray, np.ndarray]:
        """(sequence order, cumulative sizes) of this worker's share of sweep ``sweep``."""
        self._share(sweep, num_partitions, partition)
        return self._order, self._cum

    def starts(self, sweep: int, num_partitions: int = 1, partition: int = 0) -> np.ndarray:
        """Where each sequence of this worker's share starts in the sweep of all workers (in samples)."""
        self._share(sweep, num_partitions, partition)
        return self._starts

    def _share(self, sweep: int, num_partitions: int, partition: int) -> None:
        key = (sweep, num_partitions, partition)
        if key != self._cache_key:
            order = self.global_order(sweep)
            sizes = self.sizes[order]
            starts = np.cumsum(sizes) - sizes
            if num_partitions > 1:
                # every n-th sequence of the sweep's order, randomized or not (CNTK handed whole chunks
                # to workers when randomizing, which leaves workers idle on files of few chunks)
                own = np.arange(partition, len(order), num_partitions)
                order, starts = order[own], starts[own]
            self._order, self._cum, self._starts = order, np.cumsum(self.sizes[order]), starts
            self._cache_key = key

    def last_of_sweep(self, sweep: int) -> int:
        """The sequence that ends sweep ``sweep`` (over all workers)."""
        if self._last_key != sweep:
            self._last = int(self.global_order(sweep)[-1]) if len(self.sizes) else -1
            self._last_key = sweep
        return self._last

    def sweep_total(self, num_partitions: int = 1, partition: int = 0) -> int:
        """Samples in one sweep of this worker's share."""
        cum = self.order(0, num_partitions, partition)[1]
        return int(cum[-1]) if len(cum) else 0


def take_budget(cum: np.ndarray, pos: int, budget: int, force_one: bool) -> int:
    """Index one past the last sequence (from ``pos``) that keeps the running size <= ``budget``.

    ``force_one``: take the sequence at ``pos`` even when it alone exceeds the budget.
    """
    base = int(cum[pos - 1]) if pos else 0
    j = int(np.searchsorted(cum, base + budget, side="right"))
    if j <= pos and force_one:
        j = pos + 1
    return max(j, pos)
