"""`cntk.train.training_session`: the managed training loop and its configurations."""
from cntk._train import (CheckpointConfig, CrossValidationConfig, DataUnit, TestConfig, TrainingSession,
                         minibatch_size_schedule, training_session)

__all__ = ['TrainingSession', 'training_session', 'CheckpointConfig', 'CrossValidationConfig', 'TestConfig',
           'DataUnit', 'minibatch_size_schedule']
