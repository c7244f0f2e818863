"""The learner factories of ``cntk.learners`` (same names, arguments and defaults as CNTK 2.7).

Common arguments:

* ``parameters`` – the parameters to learn (e.g. ``model.parameters``);
* ``lr`` – a number, list or schedule (see `learning_parameter_schedule`);
* ``l1_regularization_weight`` / ``l2_regularization_weight`` – per-sample weights: L2 adds
  ``λ·N·p`` to the summed gradient, L1 is a proximal shrink of ``η·λ·N`` after the step;
* ``gaussian_noise_injection_std_dev`` – std of Gaussian noise added to the parameters at every
  update (seeded per learner);
* ``gradient_clipping_threshold_per_sample`` / ``gradient_clipping_with_truncation`` – clip the
  summed gradient at ``threshold·N`` element-wise (True) or by the tensor's L2 norm (False);
* ``use_mean_gradient`` – legacy: True makes the learning rate apply to the mean gradient;
* ``minibatch_size`` – reference minibatch size for schedules given without one;
* ``epoch_size`` – samples per unit of lists given as lr/momentum (None: per data sweep).
"""
from __future__ import annotations

import math
from typing import Any, Iterable, Optional

from .adam_family import AdamLearner, FSAdaGradLearner
from .adaptive import AdaDeltaLearner, AdaGradLearner, RMSPropLearner
from .options import LearnerOptions, infer_learning_rate, infer_schedule
from .schedules import ScheduleLike, learning_parameter_schedule_per_sample, momentum_schedule_per_sample
from .sgd_family import MomentumSGDLearner, NesterovLearner, SGDLearner
from .unit_gain import default_unit_gain_value

#: Default variance momentum of adam/fsadagrad: per sample, time constant 720 000 samples.
_DEFAULT_VARIANCE_MOMENTUM = momentum_schedule_per_sample(0.9999986111120757)
_DEFAULT_ADADELTA_LR = learning_parameter_schedule_per_sample(1)


def _options(ref_minibatch_size: Optional[int], l1: float, l2: float, noise: Any, clip: float,
             truncation: bool) -> LearnerOptions:
    return LearnerOptions(l1_regularization_weight=l1, l2_regularization_weight=l2,
                          gaussian_noise_injection_std_dev=noise, gradient_clipping_threshold_per_sample=clip,
                          gradient_clipping_with_truncation=truncation, minibatch_size=ref_minibatch_size)


def _momentum(value: Any, ref: Optional[int], epoch_size: Optional[int]):
    return infer_schedule(value, ref, epoch_size, None, 'momentum')


def sgd(parameters: Iterable[Any], lr: ScheduleLike, l1_regularization_weight: float = 0.0,
        l2_regularization_weight: float = 0.0, gaussian_noise_injection_std_dev: float = 0.0,
        gradient_clipping_threshold_per_sample: float = math.inf, gradient_clipping_with_truncation: bool = True,
        use_mean_gradient: Optional[bool] = None, minibatch_size: Optional[int] = None,
        epoch_size: Optional[int] = None) -> SGDLearner:
    """Plain stochastic gradient descent: ``p −= η·g`` with η = lr/M (M = reference minibatch
    size, the actual one when unspecified, so the default applies lr to the mean gradient)."""
    lr, ref = infer_learning_rate(lr, minibatch_size, epoch_size, use_mean_gradient)
    opts = _options(ref, l1_regularization_weight, l2_regularization_weight, gaussian_noise_injection_std_dev,
                    gradient_clipping_threshold_per_sample, gradient_clipping_with_truncation)
    return SGDLearner(parameters, lr, opts)


def momentum_sgd(parameters: Iterable[Any], lr: ScheduleLike, momentum: ScheduleLike,
                 unit_gain: bool = default_unit_gain_value(), l1_regularization_weight: float = 0.0,
                 l2_regularization_weight: float = 0.0, gaussian_noise_injection_std_dev: float = 0.0,
                 gradient_clipping_threshold_per_sample: float = math.inf,
                 gradient_clipping_with_truncation: bool = True, use_mean_gradient: Optional[bool] = None,
                 minibatch_size: Optional[int] = None, epoch_size: Optional[int] = None) -> MomentumSGDLearner:
    """Momentum SGD: ``v = μ·v + (1−μ)·η·g ; p −= v`` (without unit gain the (1−μ) factor is 1).

    ``momentum`` is a number, list or momentum schedule; numbers and lists take the learner's
    ``minibatch_size`` as their reference (μ**(N/M) for a minibatch of N samples)."""
    lr, ref = infer_learning_rate(lr, minibatch_size, epoch_size, use_mean_gradient)
    mom = _momentum(momentum, ref, epoch_size)
    opts = _options(ref, l1_regularization_weight, l2_regularization_weight, gaussian_noise_injection_std_dev,
                    gradient_clipping_threshold_per_sample, gradient_clipping_with_truncation)
    return MomentumSGDLearner(parameters, lr, mom, unit_gain, opts)


def nesterov(parameters: Iterable[Any], lr: ScheduleLike, momentum: ScheduleLike,
             unit_gain: bool = default_unit_gain_value(), l1_regularization_weight: float = 0.0,
             l2_regularization_weight: float = 0.0, gaussian_noise_injection_std_dev: float = 0.0,
             gradient_clipping_threshold_per_sample: float = math.inf,
             gradient_clipping_with_truncation: bool = True, use_mean_gradient: Optional[bool] = None,
             minibatch_size: Optional[int] = None, epoch_size: Optional[int] = None) -> NesterovLearner:
    """Nesterov momentum: ``v = μ·v + ug·η·g ; p −= μ·v + ug·η·g`` (ug = 1−μ under unit gain)."""
    lr, ref = infer_learning_rate(lr, minibatch_size, epoch_size, use_mean_gradient)
    mom = _momentum(momentum, ref, epoch_size)
    opts = _options(ref, l1_regularization_weight, l2_regularization_weight, gaussian_noise_injection_std_dev,
                    gradient_clipping_threshold_per_sample, gradient_clipping_with_truncation)
    return NesterovLearner(parameters, lr, mom, unit_gain, opts)


def adadelta(parameters: Iterable[Any], lr: ScheduleLike = _DEFAULT_ADADELTA_LR, rho: float = 0.95,
             epsilon: float = 1e-8, l1_regularization_weight: float = 0.0, l2_regularization_weight: float = 0.0,
             gaussian_noise_injection_std_dev: float = 0.0,
             gradient_clipping_threshold_per_sample: float = math.inf,
             gradient_clipping_with_truncation: bool = True, use_mean_gradient: Optional[bool] = None,
             minibatch_size: Optional[int] = None, epoch_size: Optional[int] = None) -> AdaDeltaLearner:
    """AdaDelta with decay ``rho`` and ``epsilon``; the default learning rate is 1 per sample."""
    lr, ref = infer_learning_rate(lr, minibatch_size, epoch_size, use_mean_gradient)
    opts = _options(ref, l1_regularization_weight, l2_regularization_weight, gaussian_noise_injection_std_dev,
                    gradient_clipping_threshold_per_sample, gradient_clipping_with_truncation)
    return AdaDeltaLearner(parameters, lr, rho, epsilon, opts)


def adagrad(parameters: Iterable[Any], lr: ScheduleLike, need_ave_multiplier: bool = True,
            l1_regularization_weight: float = 0.0, l2_regularization_weight: float = 0.0,
            gaussian_noise_injection_std_dev: float = 0.0, gradient_clipping_threshold_per_sample: float = math.inf,
            gradient_clipping_with_truncation: bool = True, use_mean_gradient: Optional[bool] = None,
            minibatch_size: Optional[int] = None, epoch_size: Optional[int] = None) -> AdaGradLearner:
    """AdaGrad; with ``need_ave_multiplier`` (default) the step is divided by the tensor-average of
    the per-element normalisers, so its overall size stays that of SGD."""
    lr, ref = infer_learning_rate(lr, minibatch_size, epoch_size, use_mean_gradient)
    opts = _options(ref, l1_regularization_weight, l2_regularization_weight, gaussian_noise_injection_std_dev,
                    gradient_clipping_threshold_per_sample, gradient_clipping_with_truncation)
    return AdaGradLearner(parameters, lr, need_ave_multiplier, opts)


def fsadagrad(parameters: Iterable[Any], lr: ScheduleLike, momentum: ScheduleLike,
              unit_gain: bool = default_unit_gain_value(),
              variance_momentum: ScheduleLike = _DEFAULT_VARIANCE_MOMENTUM, l1_regularization_weight: float = 0.0,
              l2_regularization_weight: float = 0.0, gaussian_noise_injection_std_dev: float = 0.0,
              gradient_clipping_threshold_per_sample: float = math.inf,
              gradient_clipping_with_truncation: bool = True, use_mean_gradient: Optional[bool] = None,
              minibatch_size: Optional[int] = None, epoch_size: Optional[int] = None) -> FSAdaGradLearner:
    """CNTK's FSAdaGrad: the gradient is scaled per element by min(√n/√v, 10) (v a smoothed
    squared gradient, n a smoothed sample count) and fed into a momentum buffer; ``p −= η·m``."""
    lr, ref = infer_learning_rate(lr, minibatch_size, epoch_size, use_mean_gradient)
    mom = _momentum(momentum, ref, epoch_size)
    var = _momentum(variance_momentum, ref, epoch_size)
    opts = _options(ref, l1_regularization_weight, l2_regularization_weight, gaussian_noise_injection_std_dev,
                    gradient_clipping_threshold_per_sample, gradient_clipping_with_truncation)
    return FSAdaGradLearner(parameters, lr, mom, unit_gain, var, opts)


def adam(parameters: Iterable[Any], lr: ScheduleLike, momentum: ScheduleLike,
         unit_gain: bool = default_unit_gain_value(),
         variance_momentum: ScheduleLike = _DEFAULT_VARIANCE_MOMENTUM, l1_regularization_weight: float = 0.0,
         l2_regularization_weight: float = 0.0, gaussian_noise_injection_std_dev: float = 0.0,
         gradient_clipping_threshold_per_sample: float = math.inf, gradient_clipping_with_truncation: bool = True,
         use_mean_gradient: Optional[bool] = None, epsilon: float = 1e-8, adamax: bool = False,
         minibatch_size: Optional[int] = None, epoch_size: Optional[int] = None) -> AdamLearner:
    """Adam (Kingma & Ba) in CNTK's form. ``momentum`` (β1) is required; ``variance_momentum``
    (β2) defaults to a per-sample 0.9999986111 (time constant 720 000 samples); the bias
    correction is ``√(1−β2^t)/(1−β1^t)`` folded into the step and ε is added to √v.
    ``adamax=True`` uses the infinity-norm variant."""
    lr, ref = infer_learning_rate(lr, minibatch_size, epoch_size, use_mean_gradient)
    mom = _momentum(momentum, ref, epoch_size)
    var = _momentum(variance_momentum, ref, epoch_size)
    opts = _options(ref, l1_regularization_weight, l2_regularization_weight, gaussian_noise_injection_std_dev,
                    gradient_clipping_threshold_per_sample, gradient_clipping_with_truncation)
    return AdamLearner(parameters, lr, mom, unit_gain, var, epsilon, adamax, opts)


def rmsprop(parameters: Iterable[Any], lr: ScheduleLike, gamma: float, inc: float, dec: float, max: float,
            min: float, need_ave_multiplier: bool = True, l1_regularization_weight: float = 0.0,
            l2_regularization_weight: float = 0.0, gaussian_noise_injection_std_dev: float = 0.0,
            gradient_clipping_threshold_per_sample: float = math.inf, gradient_clipping_with_truncation: bool = True,
            use_mean_gradient: Optional[bool] = None, minibatch_size: Optional[int] = None,
            epoch_size: Optional[int] = None) -> RMSPropLearner:
    """CNTK's RMSProp: squared-gradient average with decay ``gamma`` and per-element step sizes
    (start 0.02) multiplied by ``inc`` while the gradient sign repeats, else by ``dec``, kept in
    [``min``, ``max``]."""
    lr, ref = infer_learning_rate(lr, minibatch_size, epoch_size, use_mean_gradient)
    opts = _options(ref, l1_regularization_weight, l2_regularization_weight, gaussian_noise_injection_std_dev,
                    gradient_clipping_threshold_per_sample, gradient_clipping_with_truncation)
    return RMSPropLearner(parameters, lr, gamma, inc, dec, max, min, need_ave_multiplier, opts)
