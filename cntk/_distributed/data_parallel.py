"""Data-parallel training: every worker computes gradients on its share of each minibatch,
the gradients are summed over the workers, and every worker applies the same update."""
from __future__ import annotations

from typing import Any, Dict, Tuple

import torch

from .compression import gradient_sum
from .learner import DistributedLearner
from .totals import MinibatchTotals


class DataParallelLearner(DistributedLearner):
    """Synchronous data-parallel SGD: the local learner updates from the gradients of all workers'
    samples (summed exactly with 32 bits, compressed with fewer; see `gradient_sum`)."""

    _KIND = 'data_parallel'

    def __init__(self, learner: Any, distributed_after: int, num_quantization_bits: int) -> None:
        super().__init__(learner, distributed_after)
        self._gradient_sum = gradient_sum(num_quantization_bits)

    @property
    def num_quantization_bits(self) -> int:
        """Bits per gradient element sent between workers (32: exact)."""
        return self._gradient_sum.bits

    def _distributed_update(self, grads: Dict[Any, torch.Tensor], totals: MinibatchTotals
                            ) -> Tuple[bool, MinibatchTotals]:
        if self._warming_up():
            return self._local_step(grads, totals)
        self._start()
        totals, _ = self._exchange(totals)
        if totals.count == 0:
            return False, totals
        params = self.parameters
        summed = self._gradient_sum.sum([grads[p] for p in params])
        self._sample_count += totals.count
        updated = self._learner._update_from_torch(dict(zip(params, summed)), totals.count, totals.sweep_end)
        return bool(updated), totals
