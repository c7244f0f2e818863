"""Plain SGD, momentum SGD and Nesterov momentum with CNTK's update rules.

With η = lr/M (M = the learning-rate schedule's reference minibatch size, N when unspecified),
μ = the momentum for this minibatch and ``ug`` = 1−μ under unit gain (else 1):

* sgd:          p −= η·g
* momentum_sgd: v = μ·v + ug·η·g ;  p −= v          (η sits inside the momentum buffer)
* nesterov:     v = μ·v + ug·η·g ;  p −= μ·v + ug·η·g
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

import torch

from .base import Learner, UpdateContext, batched, elem_round
from .options import LearnerOptions
from .schedules import TrainingParameterSchedule


class SGDLearner(Learner):
    """Stochastic gradient descent: ``p −= η·g``."""

    def _apply(self, p: torch.Tensor, g: torch.Tensor, state: Dict[str, Any], ctx: UpdateContext) -> None:
        # η·g rounded before the subtraction (no fused multiply-add), so the step equals the same
        # update written as a graph (``universal``) bit for bit.
        p.sub_(g * elem_round(ctx['eta'], p.dtype))

    def _apply_all(self, params: List[torch.Tensor], grads: List[torch.Tensor], states: List[Dict[str, Any]],
                   ctx: UpdateContext) -> None:
        """`_apply` for all parameters at once, in foreach ops."""
        if not batched(params):
            return super()._apply_all(params, grads, states, ctx)
        torch._foreach_sub_(params, torch._foreach_mul(grads, elem_round(ctx['eta'], params[0].dtype)))


class MomentumSGDLearner(Learner):
    """SGD with a momentum buffer that includes the learning rate (CNTK's momentum_sgd)."""

    #: CNTK's momentum_sgd reports its momentum to progress writers; nesterov does not.
    _REPORTS_MOMENTUM = True

    def __init__(self, parameters: Iterable[Any], lr: TrainingParameterSchedule, momentum: TrainingParameterSchedule,
                 unit_gain: bool = True, options: Optional[LearnerOptions] = None) -> None:
        super().__init__(parameters, lr, options)
        self._momentum = momentum
        self._unit_gain = bool(unit_gain)

    @property
    def unit_gain(self) -> bool:
        """True when the gradient enters the buffer scaled by (1 − momentum)."""
        return self._unit_gain

    def _hyper(self, ctx: UpdateContext) -> None:
        ctx['momentum'] = self._momentum_value(self._momentum, ctx['N'])
        if self._REPORTS_MOMENTUM:
            self._report('Momentum', self._momentum, self._momentum.value(self._sample_count, self._sweep_count))

    def _init_state(self, p: torch.Tensor) -> Dict[str, Any]:
        return {'v': torch.zeros_like(p)}

    def _coefficients(self, p: torch.Tensor, ctx: UpdateContext) -> tuple:
        mu = elem_round(ctx['momentum'], p.dtype)
        gain = (1.0 - mu) if self._unit_gain else 1.0
        return mu, gain * ctx['eta']

    def _apply(self, p: torch.Tensor, g: torch.Tensor, state: Dict[str, Any], ctx: UpdateContext) -> None:
        mu, c = self._coefficients(p, ctx)
        v = state['v']
        v.mul_(mu).add_(g, alpha=c)
        p.sub_(v)

    def _apply_all(self, params: List[torch.Tensor], grads: List[torch.Tensor], states: List[Dict[str, Any]],
                   ctx: UpdateContext) -> None:
        """`_apply` for all parameters at once, in foreach ops (Nesterov keeps the loop)."""
        if type(self)._apply is not MomentumSGDLearner._apply or not batched(params):
            return super()._apply_all(params, grads, states, ctx)
        mu, c = self._coefficients(params[0], ctx)
        vs = [s['v'] for s in states]
        torch._foreach_mul_(vs, mu)
        torch._foreach_add_(vs, grads, alpha=c)
        torch._foreach_sub_(params, vs)


class NesterovLearner(MomentumSGDLearner):
    """Nesterov accelerated momentum with CNTK's buffer convention."""

    _REPORTS_MOMENTUM = False

    def _apply(self, p: torch.Tensor, g: torch.Tensor, state: Dict[str, Any], ctx: UpdateContext) -> None:
        mu, c = self._coefficients(p, ctx)
        v = state['v']
        v.mul_(mu).add_(g, alpha=c)
        p.add_(v, alpha=-mu).add_(g, alpha=-c)
