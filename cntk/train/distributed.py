"""`cntk.train.distributed`: training on several worker processes (or GPUs) with torch.distributed.

Start the script once per worker with ``torchrun --nproc_per_node N script.py`` (or, as with
CNTK, ``mpiexec -n N python script.py``), wrap the learner, and train as usual::

    learner = C.train.distributed.data_parallel_distributed_learner(C.sgd(z.parameters, lr))
    C.training_session(C.Trainer(z, (loss, metric), [learner], [C.logging.ProgressPrinter()]), ...).train()
    C.train.distributed.Communicator.finalize()

Each worker reads a disjoint share of every minibatch, the workers' totals are combined for
progress and schedules, and only worker 0 prints progress and writes checkpoints.
"""
from __future__ import annotations

from typing import Any, Optional

from cntk._distributed import (BlockMomentumLearner, Communicator, DataParallelLearner, DistributedLearner,
                               WorkerDescriptor, WorkerLostError, mpi_communicator)

__all__ = ['Communicator', 'DistributedLearner', 'WorkerDescriptor', 'WorkerLostError',
           'data_parallel_distributed_learner', 'block_momentum_distributed_learner', 'mpi_communicator']


def data_parallel_distributed_learner(learner: Any, distributed_after: int = 0, num_quantization_bits: int = 32,
                                      use_async_buffered_parameter_update: bool = False) -> DistributedLearner:
    """Synchronous data-parallel training with ``learner`` (a local learner such as `cntk.sgd`).

    Every worker computes gradients on its share of each minibatch; they are summed over the
    workers and every worker applies the same update, so with 32 bits the result equals training
    on the whole minibatches in one process (up to floating-point rounding).

    Args:
        learner: the local learner.
        distributed_after: samples trained on full minibatches by every worker before the work is
            shared.
        num_quantization_bits: bits per gradient element sent between workers. 32 sums exactly;
            16 to 31 send bfloat16; 1 to 15 quantise with error feedback in the manner of 1-bit SGD
            (see `cntk._distributed.compression`). Not bit-identical to CNTK's 1-bit SGD.
        use_async_buffered_parameter_update: not supported (as in CNTK 2.7).
    """
    if use_async_buffered_parameter_update:
        raise NotImplementedError('data_parallel_distributed_learner(use_async_buffered_parameter_update=True): '
                                  'asynchronous buffered parameter updates are not supported (nor were they in '
                                  'CNTK 2.7)')
    if not 1 <= int(num_quantization_bits) <= 32:
        raise ValueError('num_quantization_bits must be between 1 and 32, got %r' % (num_quantization_bits,))
    return DataParallelLearner(learner, distributed_after, num_quantization_bits)


def block_momentum_distributed_learner(learner: Any, block_size: int,
                                       block_momentum_as_time_constant: Optional[float] = None,
                                       use_nestrov_momentum: bool = True,
                                       reset_sgd_momentum_after_aggregation: bool = True,
                                       block_learning_rate: float = 1.0,
                                       distributed_after: int = 0) -> DistributedLearner:
    """Block momentum training (K. Chen and Q. Huo, ICASSP 2016) with ``learner``.

    Each worker trains its own model copy on its data; every ``block_size`` samples (over all
    workers) the models are averaged through CNTK's block-momentum filter (see
    `cntk._distributed.block_momentum`).

    Args:
        learner: the local learner.
        block_size: samples, over all workers, between synchronisations.
        block_momentum_as_time_constant: the filter's time constant in samples (None: the one
            that gives block momentum ``1 - 1/workers``).
        use_nestrov_momentum: apply the Nesterov look-ahead after each synchronisation.
        reset_sgd_momentum_after_aggregation: clear the local learner's momentum after each.
        block_learning_rate: the factor on the averaged block update.
        distributed_after: samples trained on full minibatches by every worker first.
    """
    return BlockMomentumLearner(learner, block_size, block_momentum_as_time_constant, use_nestrov_momentum,
                                reset_sgd_momentum_after_aggregation, block_learning_rate, distributed_after)
