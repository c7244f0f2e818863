"""`cntk.train`: the `Trainer`, training sessions and their configurations."""
from . import trainer, training_session  # noqa: F401  (submodules first: the names below replace them)
from cntk._train import (CheckpointConfig, CrossValidationConfig, DataUnit, TestConfig, Trainer,  # noqa: E402
                         TrainingSession, minibatch_size_schedule, training_session)

__all__ = ['Trainer', 'TrainingSession', 'training_session', 'CheckpointConfig', 'CrossValidationConfig', 'TestConfig',
           'DataUnit', 'minibatch_size_schedule']
