"""Learners (optimisers) and training-parameter schedules, as in CNTK 2.7's ``cntk.learners``.

Gradients reaching a learner are of the SUM of the per-sample losses of a minibatch of N
samples. A learning rate ``lr`` given for reference minibatch size M is applied as ``lr/M`` to
that sum: schedules without a size (plain numbers, `learning_parameter_schedule(lr)`) act on
the mean gradient, per-sample schedules on the sum.
"""
from cntk._learners import (IGNORE, Learner, TrainingParameterSchedule, UnitType, UserLearner, adadelta, adagrad,
                            adam, default_unit_gain_value, fsadagrad, learning_parameter_schedule,
                            learning_parameter_schedule_per_sample, learning_rate_schedule,
                            momentum_as_time_constant_schedule, momentum_schedule, momentum_schedule_per_sample,
                            momentum_sgd, nesterov, rmsprop, set_default_unit_gain_value, sgd,
                            training_parameter_schedule, universal)

__all__ = ['IGNORE', 'Learner', 'UserLearner', 'UnitType', 'TrainingParameterSchedule', 'sgd', 'momentum_sgd',
           'nesterov', 'adagrad', 'fsadagrad', 'adam', 'rmsprop', 'adadelta', 'universal',
           'learning_parameter_schedule', 'learning_parameter_schedule_per_sample', 'learning_rate_schedule',
           'training_parameter_schedule', 'momentum_schedule', 'momentum_schedule_per_sample',
           'momentum_as_time_constant_schedule', 'default_unit_gain_value', 'set_default_unit_gain_value']
