"""Training: `Trainer`, `Evaluator`, training sessions and their configurations, checkpoints, and
`Function.train` / `Function.test` (public faces: `cntk.train`, `cntk.eval`)."""
from .._graph.function import set_training
from . import function_train
from .configs import CheckpointConfig, CrossValidationConfig, TestConfig
from .evaluator import Evaluator
from .schedules import DataUnit, minibatch_size_schedule
from .session import TrainingSession, training_session
from .trainer import Trainer

set_training(function_train)

__all__ = ['Trainer', 'Evaluator', 'TrainingSession', 'training_session', 'CheckpointConfig', 'CrossValidationConfig',
           'TestConfig', 'DataUnit', 'minibatch_size_schedule']
