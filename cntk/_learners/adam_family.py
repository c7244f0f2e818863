"""Adam / Adamax and FSAdaGrad with CNTK's update rules.

β1 = the momentum and β2 = the variance momentum, both evaluated for this minibatch
(m**(N/M) rescaling applies; the default β2 is per sample), ``ug`` = 1−β1 under unit gain, t =
1-based update count, η = lr/M.

* adam:      m = β1·m + ug·g ; v = β2·v + (1−β2)·g² ;
             p −= η·√(1−β2^t)/(1−β1^t) · m/(√v + ε)      (current β's raised to t; ε outside
             the bias correction)
* adamax:    v = max(β2·v, |g|) ; p −= η/(1−β1^t) · m/(v + ε)
* fsadagrad: n = β2·n + (1−β2)·N (smoothed sample count) ; v = β2·v + (1−β2)·g² ;
             w = min(√n/√v, 10) where v > 0 else 1 ; m = μ·m + ug·w·g ; p −= η·m

The factors multiplying tensors use the β's rounded to the parameter's precision (float32
unless the parameter is float64), as CNTK does.
"""
from __future__ import annotations

import math
from typing import Any, Dict, Iterable, List, Optional

import torch
from torch.autograd.graph import increment_version

from .base import Learner, UpdateContext, batched, elem_round
from .options import LearnerOptions
from .schedules import TrainingParameterSchedule

_FSADAGRAD_MAX_RATIO = 10.0


class AdamLearner(Learner):
    """CNTK's Adam (and Adamax with ``adamax=True``)."""

    def __init__(self, parameters: Iterable[Any], lr: TrainingParameterSchedule, momentum: TrainingParameterSchedule,
                 unit_gain: bool, variance_momentum: TrainingParameterSchedule, epsilon: float = 1e-8,
                 adamax: bool = False, options: Optional[LearnerOptions] = None) -> None:
        super().__init__(parameters, lr, options)
        self._momentum = momentum
        self._variance_momentum = variance_momentum
        self._unit_gain = bool(unit_gain)
        self._epsilon = float(epsilon)
        self._adamax = bool(adamax)
        self._counts: Dict[torch.device, torch.Tensor] = {}  # step counts handed to the fused kernel

    def _hyper(self, ctx: UpdateContext) -> None:
        ctx['beta1'] = self._momentum_value(self._momentum, ctx['N'])
        ctx['beta2'] = self._momentum_value(self._variance_momentum, ctx['N'])

    def _init_state(self, p: torch.Tensor) -> Dict[str, Any]:
        return {'m': torch.zeros_like(p), 'v': torch.zeros_like(p)}

    def _apply(self, p: torch.Tensor, g: torch.Tensor, state: Dict[str, Any], ctx: UpdateContext) -> None:
        beta1, beta2, t = ctx['beta1'], ctx['beta2'], ctx['t']
        b1 = elem_round(beta1, p.dtype)
        b2 = elem_round(beta2, p.dtype)
        m, v = state['m'], state['v']
        m.mul_(b1).add_(g, alpha=(1.0 - b1) if self._unit_gain else 1.0)
        if self._adamax:
            torch.maximum(v.mul_(b2), g.abs(), out=v)
            step = ctx['eta'] / (1.0 - beta1 ** t)
            p.addcdiv_(m, v + self._epsilon, value=-step)
        else:
            v.mul_(b2).addcmul_(g, g, value=1.0 - b2)
            p.addcdiv_(m, v.sqrt().add_(self._epsilon), value=-self._adam_step(ctx))

    def _apply_all(self, params: List[torch.Tensor], grads: List[torch.Tensor], states: List[Dict[str, Any]],
                   ctx: UpdateContext) -> None:
        """Adam's rule for all parameters at once: torch's fused Adam kernel under unit gain, else the
        same arithmetic as `_apply` in foreach ops."""
        if self._adamax or not batched(params):
            return super()._apply_all(params, grads, states, ctx)
        b1 = elem_round(ctx['beta1'], params[0].dtype)
        b2 = elem_round(ctx['beta2'], params[0].dtype)
        ms, vs = [s['m'] for s in states], [s['v'] for s in states]
        if self._unit_gain:
            self._fused_step(params, grads, ms, vs, b1, b2, ctx)
            return
        torch._foreach_mul_(ms, b1)
        torch._foreach_add_(ms, grads, alpha=(1.0 - b1) if self._unit_gain else 1.0)
        torch._foreach_mul_(vs, b2)
        torch._foreach_addcmul_(vs, grads, grads, value=1.0 - b2)
        denominators = torch._foreach_sqrt(vs)
        torch._foreach_add_(denominators, self._epsilon)
        torch._foreach_addcdiv_(params, ms, denominators, value=-self._adam_step(ctx))

    def _fused_step(self, params: List[torch.Tensor], grads: List[torch.Tensor], ms: List[torch.Tensor],
                    vs: List[torch.Tensor], b1: float, b2: float, ctx: UpdateContext) -> None:
        """One call of torch's fused Adam. torch divides by ``sqrt(v)/sqrt(c2) + ε'`` and multiplies
        by ``lr/c1``, its corrections c from the β's it is given (rounded to the parameters'
        precision); CNTK multiplies by ``η·sqrt(C2)/C1`` and divides by ``sqrt(v) + ε``, its
        corrections C from the β's unrounded. The same update when ``ε' = ε/sqrt(c2)`` and
        ``lr = η·(c1/C1)·sqrt(C2/c2)``. The β's of the kernel's moment updates are the rounded ones,
        as in `_apply`."""
        t = ctx['t']
        c1, c2 = 1.0 - b1 ** t, 1.0 - b2 ** t
        C1, C2 = 1.0 - ctx['beta1'] ** t, 1.0 - ctx['beta2'] ** t
        lr = ctx['eta'] * (c1 / C1) * math.sqrt(C2 / c2)
        count = self._step_count(params[0].device, t)
        torch._fused_adam_(params, list(grads), ms, vs, [], [count] * len(params), lr=lr, beta1=b1, beta2=b2,
                           weight_decay=0.0, eps=self._epsilon / math.sqrt(c2), amsgrad=False, maximize=False)
        # the kernel writes without counting a modification; what memoises on the parameters'
        # version counters (the fused recurrences' prepared weights) must see the change
        increment_version(params + ms + vs)

    def _step_count(self, device: torch.device, t: int) -> torch.Tensor:
        """A one-element tensor on ``device`` holding t (the kernel reads the step count from a tensor)."""
        count = self._counts.get(device)
        if count is None:
            count = self._counts[device] = torch.zeros((), device=device)
        return count.fill_(float(t))

    @staticmethod
    def _adam_step(ctx: UpdateContext) -> float:
        """η with Adam's bias corrections for update t."""
        t = ctx['t']
        return ctx['eta'] * math.sqrt(1.0 - ctx['beta2'] ** t) / (1.0 - ctx['beta1'] ** t)


class FSAdaGradLearner(Learner):
    """CNTK's FSAdaGrad: AdaGrad-style normalisation by a smoothed variance, plus momentum."""

    _SCALAR_STATE = ('n',)

    def __init__(self, parameters: Iterable[Any], lr: TrainingParameterSchedule, momentum: TrainingParameterSchedule,
                 unit_gain: bool, variance_momentum: TrainingParameterSchedule,
                 options: Optional[LearnerOptions] = None) -> None:
        super().__init__(parameters, lr, options)
        self._momentum = momentum
        self._variance_momentum = variance_momentum
        self._unit_gain = bool(unit_gain)

    def _hyper(self, ctx: UpdateContext) -> None:
        ctx['momentum'] = self._momentum_value(self._momentum, ctx['N'])
        ctx['beta2'] = self._momentum_value(self._variance_momentum, ctx['N'])

    def _init_state(self, p: torch.Tensor) -> Dict[str, Any]:
        return {'n': 0.0, 'm': torch.zeros_like(p), 'v': torch.zeros_like(p)}

    def _apply(self, p: torch.Tensor, g: torch.Tensor, state: Dict[str, Any], ctx: UpdateContext) -> None:
        beta2 = ctx['beta2']
        state['n'] = beta2 * state['n'] + (1.0 - beta2) * ctx['N']
        b2 = elem_round(beta2, p.dtype)
        mu = elem_round(ctx['momentum'], p.dtype)
        m, v = state['m'], state['v']
        v.mul_(b2).addcmul_(g, g, value=1.0 - b2)
        ratio = (math.sqrt(state['n']) / v.sqrt()).clamp_(max=_FSADAGRAD_MAX_RATIO)
        weight = torch.where(v > 0, ratio, torch.ones_like(ratio))
        m.mul_(mu).addcmul_(weight, g, value=(1.0 - mu) if self._unit_gain else 1.0)
        p.add_(m, alpha=-ctx['eta'])
