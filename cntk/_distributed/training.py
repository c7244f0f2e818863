"""What the Trainer and the training session do differently when their learners are distributed.

* Every worker trains on its share of each minibatch and reports the totals of all workers;
  a worker whose share is empty still takes part until no worker has data left.
* Only worker 0 prints progress (progress printers writing to a file, e.g. one per rank, are
  kept on every worker) and writes checkpoints; every worker's own external state (its reader
  position) is saved with them and restored on the same worker.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

import torch

from .collectives import all_gather_object, barrier
from .launch import membership
from .learner import DistributedLearner
from .totals import MinibatchTotals

_WORKER_STATES_KEY = 'worker_external_states'


def uses_distributed_learners(learners: Sequence[Any]) -> bool:
    """True when the learners are distributed (all of them must be, or none)."""
    flags = [isinstance(learner, DistributedLearner) for learner in learners]
    if any(flags) and not all(flags):
        raise ValueError('learner %d is not distributed while learner %d is; wrap every learner of a Trainer with '
                         'the same kind of distributed learner' % (flags.index(False), flags.index(True)))
    return any(flags)


def writers_for_this_worker(writers: List[Any], distributed: bool) -> List[Any]:
    """The progress writers this worker reports to: all of them on worker 0 (or alone); elsewhere
    all but the progress printers that print to the console."""
    if not distributed or membership().rank == 0:
        return writers
    from .._logging.printer import ProgressPrinter
    return [w for w in writers if not (isinstance(w, ProgressPrinter) and w.logfilename is None)]


def is_empty_share(arguments: Any) -> bool:
    """True when a worker's share of a minibatch holds no samples: no data at all, or only
    MinibatchData of 0 samples (what an in-memory source hands the worker left over at its end)."""
    data = arguments[0] if isinstance(arguments, tuple) and arguments and isinstance(arguments[0], dict) else arguments
    if data is None or (isinstance(data, (dict, list, tuple)) and len(data) == 0):
        return True
    return isinstance(data, dict) and all(getattr(v, 'num_samples', None) == 0 for v in data.values())


def zero_gradients(parameters: Sequence[Any]) -> Dict[Any, torch.Tensor]:
    """Zero gradients for a worker that has no samples in this minibatch."""
    return {p: torch.zeros_like(p._tensor) for p in parameters}


def update(learners: Sequence[DistributedLearner], grads: Dict[Any, torch.Tensor], totals: MinibatchTotals
           ) -> Tuple[bool, MinibatchTotals]:
    """Every learner's distributed update; returns whether any updated and the first one's totals
    (those of all workers)."""
    updated, overall = False, None
    for learner in learners:
        done, combined = learner._distributed_update({p: grads[p] for p in learner.parameters}, totals)
        updated |= done
        overall = combined if overall is None else overall
    return updated, overall


def save_checkpoint(state: Dict[str, Any], write: Callable[[], None]) -> None:
    """Add every worker's external state to ``state`` and let worker 0 ``write`` it; every worker
    calls this and returns when the files are complete."""
    state[_WORKER_STATES_KEY] = all_gather_object(state['external_state'], 'collecting the checkpoint states')
    try:
        if membership().rank == 0:
            write()
    finally:
        barrier('waiting for worker 0 to write the checkpoint')


def external_state(state: Dict[str, Any]) -> Dict[str, Any]:
    """This worker's external state from a checkpoint (worker 0's when it holds none for this
    worker); returns once every worker has read the files."""
    states = state.get(_WORKER_STATES_KEY) or []
    rank = membership().rank
    barrier('waiting for every worker to read the checkpoint')
    return states[rank] if rank < len(states) else state['external_state']


class DataShare(NamedTuple):
    """Which share of the data this worker reads: ``partitions`` shares, number ``index``, of
    minibatches ``size_scale`` times the configured size."""

    partitions: int
    index: int
    size_scale: int


def data_share(learners: Sequence[Any], samples_seen: int) -> Optional[DataShare]:
    """This worker's share of the training data, or None while every worker reads all of it
    (one worker, no distributed learner, or fewer than ``distributed_after`` samples seen)."""
    distributed = [learner for learner in learners if isinstance(learner, DistributedLearner)]
    m = membership() if distributed else None
    if m is None or m.world_size == 1 or samples_seen < max(d.parallelization_after() for d in distributed):
        return None
    return DataShare(m.world_size, m.rank, max(d.minibatch_size_scale_factor() for d in distributed))
