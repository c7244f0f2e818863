"""Block momentum (blockwise model-update filtering, K. Chen and Q. Huo, ICASSP 2016).

Each worker trains its own copy of the model on its share of the data with the local learner.
After a block of ``block_size`` samples (over all workers) the workers add up how far each moved
from the model of the last synchronisation, ``D = sum_k (w_prev - w_k)``, and all apply CNTK's
filter::

    v     <- bm * v + (1 - bm) * block_learning_rate * D
    w     <- w_prev - v            (and, with Nesterov momentum, w <- w - bm * v)
    w_prev <- w

with the block momentum ``bm = exp(-n / T)`` for the ``n`` samples of the block and the time
constant ``T`` (by default the one that makes ``bm = 1 - 1/workers`` for a full block; ``bm = 0``
for one worker). Each worker trains on minibatches of the configured size: a training session
reads ``workers`` times as much and every worker receives its share.
"""
from __future__ import annotations

import math
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np
import torch

from .collectives import all_reduce_sum
from .learner import DistributedLearner
from .totals import MinibatchTotals


def default_time_constant(num_workers: int, block_size: int) -> float:
    """The time constant giving block momentum ``1 - 1/num_workers`` over ``block_size`` samples."""
    momentum = 1.0 - 1.0 / num_workers
    return 0.0 if momentum == 0.0 else -block_size / math.log(momentum)


class BlockMomentumLearner(DistributedLearner):
    """Local training with periodic model averaging filtered by block momentum."""

    _KIND = 'block_momentum'

    def __init__(self, learner: Any, block_size: int, time_constant: Optional[float], use_nesterov: bool,
                 reset_sgd_momentum: bool, block_learning_rate: float, distributed_after: int) -> None:
        super().__init__(learner, distributed_after)
        workers = self._communicator.num_workers()
        self._block_size = int(block_size)
        if self._block_size // workers == 0:
            raise ValueError('block_size %d is too small for %d workers: every worker needs at least one sample per '
                             'block' % (self._block_size, workers))
        self._sync_period = self._block_size // workers
        self._time_constant = default_time_constant(workers, self._block_size) if time_constant is None \
            else float(time_constant)
        if self._time_constant < 0:
            raise ValueError('block_momentum_as_time_constant must be >= 0, got %r' % (time_constant,))
        self._nesterov = bool(use_nesterov)
        self._reset_sgd_momentum = bool(reset_sgd_momentum)
        self._block_learning_rate = float(block_learning_rate)
        self._previous: Optional[List[torch.Tensor]] = None   # the model at the last synchronisation
        self._smoothed: Optional[List[torch.Tensor]] = None   # v, the filtered block updates
        self._local_block = 0     # this worker's samples since the last synchronisation
        self._block = 0           # all workers' samples since the last synchronisation

    def minibatch_size_scale_factor(self) -> int:
        """Every worker trains on full minibatches: a session reads ``workers`` times the size."""
        return self._communicator.num_workers()

    def block_momentum(self, samples: int) -> float:
        """The block momentum for a block of ``samples`` samples."""
        return 0.0 if self._time_constant == 0 else math.exp(-samples / self._time_constant)

    def _distributed_update(self, grads: Dict[Any, torch.Tensor], totals: MinibatchTotals
                            ) -> Tuple[bool, MinibatchTotals]:
        if self._warming_up():
            return self._local_step(grads, totals)
        if self._previous is None:
            self._start()
            self._begin_block()
        local = totals.count
        self._local_block += local
        totals, someone_due = self._exchange(totals, self._local_block >= self._sync_period)
        self._block += totals.count
        self._sample_count += totals.count
        if local:
            self._learner._update_from_torch(grads, local, totals.sweep_end)
        if totals.count == 0:   # every worker's data have ended: fold in what is left of the block
            if self._block:
                self._synchronize()
            return False, totals
        if someone_due:
            self._synchronize()
        return True, totals

    def _begin_block(self) -> None:
        tensors = [p._tensor.detach() for p in self.parameters]
        self._previous = [t.clone() for t in tensors]
        if self._smoothed is None:
            self._smoothed = [torch.zeros_like(t) for t in tensors]

    def _synchronize(self) -> None:
        params = self.parameters
        moved = torch.cat([(prev - p._tensor.detach()).reshape(-1) for prev, p in zip(self._previous, params)])
        total = torch.split(all_reduce_sum(moved, 'synchronising the models (block momentum)'),
                            [p._tensor.numel() for p in params])
        bm = self.block_momentum(self._block)
        with torch.no_grad():
            for i, (p, d) in enumerate(zip(params, total)):
                v = self._smoothed[i]
                v.mul_(bm).add_(d.reshape(v.shape), alpha=(1.0 - bm) * self._block_learning_rate)
                new = self._previous[i] - v
                if self._nesterov:
                    new = new - bm * v
                p._tensor.copy_(new)
                self._previous[i] = new
        self._local_block = self._block = 0
        if self._reset_sgd_momentum:
            self._learner.reset_smoothed_gradients()

    def create_checkpoint(self) -> Dict[str, Any]:
        """Synchronise the models first (every worker must call this), then save the local
        learner, the counters and the filtered block updates."""
        if self._previous is not None and self._block:
            self._synchronize()
        state = super().create_checkpoint()
        if self._smoothed is not None:
            state['smoothed'] = [v.detach().cpu().numpy().copy() for v in self._smoothed]
        return state

    def restore_from_checkpoint(self, checkpoint: Mapping[str, Any]) -> None:
        """Restore the state `create_checkpoint` saved; the next block starts from the restored model."""
        super().restore_from_checkpoint(checkpoint)
        saved = checkpoint.get('smoothed')
        self._smoothed = None if saved is None else [
            torch.as_tensor(np.asarray(v)).to(device=p._tensor.device, dtype=p._tensor.dtype)
            for v, p in zip(saved, self.parameters)]
        self._previous = None
        self._local_block = self._block = 0
