"""Implementation of ``cntk.learners`` (CNTK 2.7 update rules and schedules on torch tensors).

Importable on its own: it needs only ``cntk._graph.variable`` (for `universal`) at call time.
"""
from .base import Learner, UpdateContext
from .factories import adadelta, adagrad, adam, fsadagrad, momentum_sgd, nesterov, rmsprop, sgd
from .schedules import (FULL_DATA_SWEEP, IGNORE, TrainingParameterSchedule, UnitType, learning_parameter_schedule,
                        learning_parameter_schedule_per_sample, learning_rate_schedule, momentum_as_time_constant_schedule,
                        momentum_schedule, momentum_schedule_per_sample, training_parameter_schedule)
from .unit_gain import default_unit_gain_value, set_default_unit_gain_value
from .user import UniversalLearner, UserLearner, universal

__all__ = ['Learner', 'UserLearner', 'UniversalLearner', 'universal', 'sgd', 'momentum_sgd', 'nesterov', 'adagrad',
           'fsadagrad', 'adam', 'rmsprop', 'adadelta', 'TrainingParameterSchedule', 'UnitType', 'IGNORE',
           'FULL_DATA_SWEEP', 'learning_parameter_schedule', 'learning_parameter_schedule_per_sample',
           'learning_rate_schedule', 'training_parameter_schedule', 'momentum_schedule',
           'momentum_schedule_per_sample', 'momentum_as_time_constant_schedule', 'default_unit_gain_value',
           'set_default_unit_gain_value']
