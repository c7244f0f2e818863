"""Turning the learner factories' arguments into schedules and per-learner options.

The rules follow CNTK 2.7:

* the learner's ``minibatch_size`` (M) wins over the legacy ``use_mean_gradient``; with no M,
  ``use_mean_gradient=True`` means "mean gradient" (M = IGNORE) and False means nothing;
* a number or list given as lr/momentum becomes a schedule with the learner's M (IGNORE when
  none) and the learner's ``epoch_size``;
* a schedule object keeps its own M when that was given explicitly; otherwise it takes the
  learner's M when there is one;
* ``use_mean_gradient=True`` with a per-sample (M = 1) learning-rate schedule turns it into a
  mean-gradient schedule (the legacy "UnitType.sample + use_mean_gradient" combination).

Schedule objects are copied before any such adjustment so that a schedule shared between
learners is never changed behind the user's back.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Optional, Tuple

from .schedules import IGNORE, TrainingParameterSchedule, _is_number, learning_parameter_schedule


def infer_reference_minibatch_size(minibatch_size: Optional[int], use_mean_gradient: Optional[bool]) -> Optional[int]:
    """The learner-level reference minibatch size after applying the legacy ``use_mean_gradient``."""
    if minibatch_size is not None:
        return int(minibatch_size)
    if use_mean_gradient is True:
        return IGNORE
    return None


def infer_schedule(value: Any, ref_minibatch_size: Optional[int], epoch_size: Optional[int],
                   use_mean_gradient: Optional[bool] = None, what: str = 'training parameter') -> TrainingParameterSchedule:
    """A schedule for a learner argument (number, list or schedule) under the learner's M."""
    if _is_number(value) or (isinstance(value, list) and all(_is_number(v) or isinstance(v, tuple) for v in value)):
        sched = learning_parameter_schedule(value, IGNORE if ref_minibatch_size is None else ref_minibatch_size,
                                            epoch_size)
        sched.is_minibatch_size_explicitly_specified = True
        return sched
    if isinstance(value, TrainingParameterSchedule):
        sched = value._copy()
        if not sched.is_minibatch_size_explicitly_specified and ref_minibatch_size is not None:
            sched.minibatch_size = ref_minibatch_size
        if use_mean_gradient and sched.minibatch_size == 1:
            sched.minibatch_size = IGNORE
        return sched
    raise ValueError('%s schedule type (%s) not supported; it must be a number, a list or a training schedule'
                     % (what, type(value)))


def infer_learning_rate(lr: Any, minibatch_size: Optional[int], epoch_size: Optional[int],
                        use_mean_gradient: Optional[bool]) -> Tuple[TrainingParameterSchedule, Optional[int]]:
    """The learning-rate schedule and the learner's reference minibatch size (None = not given)."""
    ref = infer_reference_minibatch_size(minibatch_size, use_mean_gradient)
    return infer_schedule(lr, ref, epoch_size, use_mean_gradient, 'learning rate'), ref


@dataclass
class LearnerOptions:
    """Options shared by all built-in learners (CNTK's "additional learning options")."""

    l1_regularization_weight: float = 0.0
    l2_regularization_weight: float = 0.0
    gaussian_noise_injection_std_dev: float = 0.0
    gradient_clipping_threshold_per_sample: float = math.inf
    gradient_clipping_with_truncation: bool = True
    minibatch_size: Optional[int] = None

    def __post_init__(self) -> None:
        for name in ('l1_regularization_weight', 'l2_regularization_weight', 'gradient_clipping_threshold_per_sample'):
            value = getattr(self, name)
            if not isinstance(value, numbers.Real):
                raise TypeError('%s must be a number, got %r' % (name, value))
            setattr(self, name, float(value))
        noise = self.gaussian_noise_injection_std_dev
        if isinstance(noise, TrainingParameterSchedule):
            if len(noise.pieces) != 1:
                raise NotImplementedError('cntk.learners: a gaussian_noise_injection_std_dev schedule with more than '
                                          'one value is not supported; pass a number')
            noise = noise.pieces[0][1]
        if not isinstance(noise, numbers.Real):
            raise TypeError('gaussian_noise_injection_std_dev must be a number, got %r' % (noise,))
        self.gaussian_noise_injection_std_dev = float(noise)
        self.gradient_clipping_with_truncation = bool(self.gradient_clipping_with_truncation)
