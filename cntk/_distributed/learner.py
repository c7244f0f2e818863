"""`DistributedLearner`: a local learner wrapped for training on several workers.

The Trainer hands a distributed learner the gradients of this worker's share of the minibatch
and its `MinibatchTotals`; the learner exchanges the totals with the other workers (so every
worker reports, counts and schedules with the same global numbers) and keeps the models in
step, by summing gradients (data parallel) or by averaging models every block (block momentum).
"""
from __future__ import annotations

from typing import Any, Dict, Mapping, Tuple

import torch

from .collectives import all_gather, broadcast_
from .communicator import Communicator
from .totals import MinibatchTotals


class DistributedLearner:
    """A learner shared by the workers of a distributed run, wrapping a local learner (such as
    `cntk.sgd`). Create one with `data_parallel_distributed_learner` or
    `block_momentum_distributed_learner` and give it to the `Trainer` like any learner.

    Attributes of the local learner not defined here (``minibatch_size``,
    ``total_number_of_minibatches_seen``, ...) are read through from it.
    """

    _KIND = 'distributed'

    def __init__(self, learner: Any, distributed_after: int) -> None:
        if isinstance(learner, DistributedLearner):
            raise TypeError('the learner is already distributed; wrap the local learner (e.g. cntk.sgd(...)) once')
        if not callable(getattr(learner, '_update_from_torch', None)):
            raise TypeError('a distributed learner wraps a learner such as cntk.sgd(...), got %r' % (learner,))
        if int(distributed_after) < 0:
            raise ValueError('distributed_after must be a number of samples >= 0, got %r' % (distributed_after,))
        self._learner = learner
        self._communicator = Communicator()
        self._distributed_after = int(distributed_after)
        self._sample_count = 0
        self._local_sweeps = 0    # sweeps this worker's data ended
        self._global_sweeps = 0   # sweeps any worker's data ended (the most of any worker)
        self._started = False     # worker 0's parameters were sent to all when distribution began

    # --- the Learner interface ----------------------------------------------------------------
    @property
    def parameters(self) -> tuple:
        """The parameters the local learner updates."""
        return self._learner.parameters

    def learning_rate(self) -> float:
        """The local learner's current learning rate."""
        return self._learner.learning_rate()

    def reset_learning_rate(self, learning_rate: Any) -> None:
        """Give the local learner a new learning-rate schedule."""
        self._learner.reset_learning_rate(learning_rate)

    def reset_smoothed_gradients(self) -> None:
        """Forget the local learner's momentum and accumulators."""
        self._learner.reset_smoothed_gradients()

    def update(self, gradient_values: Mapping[Any, Any], training_sample_count: int,
               is_sweep_end: bool = False) -> bool:
        """Update from ``{parameter: gradient of the summed loss}`` of this worker's
        ``training_sample_count`` samples (every worker must call it). False once no worker has
        samples left."""
        grads = {p: self._learner._to_tensor(gradient_values[p], p) for p in self.parameters if p in gradient_values}
        dtype = next(iter(grads.values())).dtype if grads else torch.float32
        totals = MinibatchTotals(torch.zeros((), dtype=dtype), None, int(training_sample_count), bool(is_sweep_end))
        return self._distributed_update(grads, totals)[0]

    # --- CNTK's DistributedLearner --------------------------------------------------------------
    def communicator(self) -> Communicator:
        """The `Communicator` linking the workers."""
        return self._communicator

    @property
    def total_number_of_samples_seen(self) -> int:
        """Samples all workers have trained on (this worker's alone before ``distributed_after``)."""
        return self._sample_count

    def parallelization_after(self) -> int:
        """Samples trained on one worker's full minibatches before the work is shared."""
        return self._distributed_after

    def minibatch_size_scale_factor(self) -> int:
        """By how much a training session enlarges the minibatch it reads (1: the workers share it)."""
        return 1

    def create_checkpoint(self) -> Dict[str, Any]:
        """The local learner's state and the distributed counters."""
        return {'distributed': self._KIND, 'local_learner': self._learner.create_checkpoint(),
                'sample_count': self._sample_count, 'sweeps': self._global_sweeps}

    def restore_from_checkpoint(self, checkpoint: Mapping[str, Any]) -> None:
        """Restore what `create_checkpoint` saved."""
        if checkpoint.get('distributed') != self._KIND:
            raise ValueError('the checkpoint holds a %r learner state, this is a %r distributed learner'
                             % (checkpoint.get('distributed', checkpoint.get('type')), self._KIND))
        self._learner.restore_from_checkpoint(checkpoint['local_learner'])
        self._sample_count = int(checkpoint['sample_count'])
        self._local_sweeps = self._global_sweeps = int(checkpoint['sweeps'])

    def __getattr__(self, name: str) -> Any:
        learner = self.__dict__.get('_learner')
        if learner is None or name.startswith('__'):
            raise AttributeError(name)
        return getattr(learner, name)

    def __repr__(self) -> str:
        return '%s(%r, %d workers)' % (type(self).__name__, self._learner, self._communicator.num_workers())

    # --- the Trainer's entry point ----------------------------------------------------------------
    def _distributed_update(self, grads: Dict[Any, torch.Tensor], totals: MinibatchTotals
                            ) -> Tuple[bool, MinibatchTotals]:
        """Update from this worker's gradients and totals; returns (whether training goes on,
        the totals of all workers). Every worker calls it once per minibatch."""
        raise NotImplementedError

    # --- helpers for the subclasses ---------------------------------------------------------------
    def _warming_up(self) -> bool:
        return self._sample_count < self._distributed_after

    def _local_step(self, grads: Dict[Any, torch.Tensor], totals: MinibatchTotals) -> Tuple[bool, MinibatchTotals]:
        """An update from this worker's data alone (before ``distributed_after``, when every worker
        reads the same full minibatches)."""
        self._local_sweeps += int(totals.sweep_end)
        self._global_sweeps = self._local_sweeps
        if totals.count == 0:
            return False, totals
        self._sample_count += totals.count
        return bool(self._learner._update_from_torch(grads, totals.count, totals.sweep_end)), totals

    def _start(self) -> None:
        """Send worker 0's parameters to every worker, once, when the work begins to be shared."""
        if not self._started:
            broadcast_([p._tensor for p in self.parameters], "sending worker 0's parameters to all")
            self._started = True

    def _exchange(self, totals: MinibatchTotals, flag: bool = False) -> Tuple[MinibatchTotals, bool]:
        """All workers' totals together (sums; a sweep ends when any worker's data first end it),
        and whether any worker raised ``flag``."""
        self._local_sweeps += int(totals.sweep_end)
        metric = float(totals.metric.detach()) if totals.metric is not None else 0.0
        mine = torch.tensor([totals.count, float(totals.loss.detach()), metric, self._local_sweeps, float(flag)],
                            dtype=torch.float64)
        rows = all_gather(mine, 'exchanging the minibatch totals')
        sums, most = rows[:, :3].sum(dim=0), rows[:, 3:].max(dim=0).values
        sweeps = int(most[0])
        sweep_end = sweeps > self._global_sweeps
        self._global_sweeps = max(sweeps, self._global_sweeps)
        loss = torch.tensor(float(sums[1]), dtype=totals.loss.dtype)
        metric_sum = torch.tensor(float(sums[2]), dtype=totals.metric.dtype) if totals.metric is not None else None
        return MinibatchTotals(loss, metric_sum, int(sums[0]), sweep_end), bool(most[1])
