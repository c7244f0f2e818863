"""Distributed training on torch.distributed (the private side of `cntk.train.distributed`).

* ``launch``        -- reading torchrun's / mpiexec's environment, creating the process group.
* ``collectives``   -- all-reduce, all-gather, broadcast, barrier; failures as `WorkerLostError`.
* ``communicator``  -- `Communicator`, `WorkerDescriptor`.
* ``compression``   -- exact, bfloat16 and quantised (error feedback) gradient sums.
* ``learner``       -- `DistributedLearner`, the wrapper of a local learner.
* ``data_parallel`` / ``block_momentum`` -- the two ways of keeping the workers' models in step.
* ``training``      -- the Trainer's and the training session's distributed behaviour.
"""
from .block_momentum import BlockMomentumLearner
from .communicator import Communicator, WorkerDescriptor, mpi_communicator
from .data_parallel import DataParallelLearner
from .errors import WorkerLostError
from .learner import DistributedLearner
from .totals import MinibatchTotals

__all__ = ['BlockMomentumLearner', 'Communicator', 'DataParallelLearner', 'DistributedLearner', 'MinibatchTotals',
           'WorkerDescriptor', 'WorkerLostError', 'mpi_communicator']
