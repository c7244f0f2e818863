"""`cntk.train`: the `Trainer`, training sessions and their configurations, distributed learners."""
from . import distributed, trainer, training_session  # noqa: F401  (submodules first: the names below replace them)
from cntk._train import (CheckpointConfig, CrossValidationConfig, DataUnit, TestConfig, Trainer,  # noqa: E402
                         TrainingSession, minibatch_size_schedule, training_session)
from .distributed import (Communicator, DistributedLearner, WorkerDescriptor,  # noqa: E402
                          block_momentum_distributed_learner, data_parallel_distributed_learner, mpi_communicator)

__all__ = ['Trainer', 'TrainingSession', 'training_session', 'CheckpointConfig', 'CrossValidationConfig', 'TestConfig',
           'DataUnit', 'minibatch_size_schedule', 'Communicator', 'DistributedLearner', 'WorkerDescriptor',
           'block_momentum_distributed_learner', 'data_parallel_distributed_learner', 'mpi_communicator']
