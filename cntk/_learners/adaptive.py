"""AdaGrad, RMSProp and AdaDelta in CNTK's variants (η = lr/M as for every learner).

* adagrad:  G += g² ; d = g/√(G+1e-16) ; p −= η·d, or with the average multiplier
            (default) p −= (η/a)·d where a = mean over the tensor of 1/√(G+1e-16).
* rmsprop:  s = g² on the first update, then s = γ·s + (1−γ)·g²; per-element step sizes start
            at 0.02 and become min(step·inc, max) when the gradient sign repeats, else
            max(step·dec, min); d = step/√(s+1e-6)·g ; p −= η·d, or (η/a)·d with
            a = mean(step/√(s+1e-6)) under the average multiplier (default).
* adadelta: a = ρ·a + (1−ρ)·g² ; x = √(d+ε)/√(a+ε)·g ; d = ρ·d + (1−ρ)·x² ; p −= η·x.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, Optional

import torch

from .base import Learner, UpdateContext
from .options import LearnerOptions
from .schedules import TrainingParameterSchedule

_ADAGRAD_FLOOR = 1e-16
_RMSPROP_FLOOR = 1e-6
_RMSPROP_INITIAL_STEP = 0.02


class AdaGradLearner(Learner):
    """CNTK's AdaGrad (optionally normalised by the tensor-average multiplier)."""

    def __init__(self, parameters: Iterable[Any], lr: TrainingParameterSchedule, need_ave_multiplier: bool = True,
                 options: Optional[LearnerOptions] = None) -> None:
        super().__init__(parameters, lr, options)
        self._need_ave_multiplier = bool(need_ave_multiplier)

    def _init_state(self, p: torch.Tensor) -> Dict[str, Any]:
        return {'G': torch.zeros_like(p)}

    def _apply(self, p: torch.Tensor, g: torch.Tensor, state: Dict[str, Any], ctx: UpdateContext) -> None:
        acc = state['G']
        acc.addcmul_(g, g)
        inv = (acc + _ADAGRAD_FLOOR).rsqrt_()
        if self._need_ave_multiplier:
            inv = inv / inv.mean()      # stays on the device: no host synchronisation
        p.addcmul_(g, inv, value=-ctx['eta'])


class RMSPropLearner(Learner):
    """CNTK's RMSProp with sign-adaptive per-element step sizes."""

    _SCALAR_STATE = ('started',)

    def __init__(self, parameters: Iterable[Any], lr: TrainingParameterSchedule, gamma: float, inc: float,
                 dec: float, max: float, min: float, need_ave_multiplier: bool = True,
                 options: Optional[LearnerOptions] = None) -> None:
        super().__init__(parameters, lr, options)
        self._gamma, self._inc, self._dec = float(gamma), float(inc), float(dec)
        self._max, self._min = float(max), float(min)
        self._need_ave_multiplier = bool(need_ave_multiplier)

    def _init_state(self, p: torch.Tensor) -> Dict[str, Any]:
        return {'s': torch.zeros_like(p), 'step': torch.full_like(p, _RMSPROP_INITIAL_STEP),
                'sign': torch.zeros_like(p), 'started': 0.0}

    def _apply(self, p: torch.Tensor, g: torch.Tensor, state: Dict[str, Any], ctx: UpdateContext) -> None:
        s, steps, prev = state['s'], state['step'], state['sign']
        g2 = g * g
        if not state['started']:
            s.copy_(g2)
            state['started'] = 1.0
        s.mul_(self._gamma).add_(g2, alpha=1.0 - self._gamma)
        sign = torch.sign(g)
        grow = (prev * sign) > 0
        steps.copy_(torch.where(grow, (steps * self._inc).clamp_(max=self._max),
                                (steps * self._dec).clamp_(min=self._min)))
        prev.copy_(sign)
        scale = steps / (s + _RMSPROP_FLOOR).sqrt_()
        if self._need_ave_multiplier:
            scale = scale / scale.mean()
        p.addcmul_(g, scale, value=-ctx['eta'])


class AdaDeltaLearner(Learner):
    """AdaDelta (Zeiler 2012) scaled by the learning rate η."""

    def __init__(self, parameters: Iterable[Any], lr: TrainingParameterSchedule, rho: float = 0.95,
                 epsilon: float = 1e-8, options: Optional[LearnerOptions] = None) -> None:
        super().__init__(parameters, lr, options)
        self._rho, self._epsilon = float(rho), float(epsilon)

    def _init_state(self, p: torch.Tensor) -> Dict[str, Any]:
        return {'a': torch.zeros_like(p), 'd': torch.zeros_like(p)}

    def _apply(self, p: torch.Tensor, g: torch.Tensor, state: Dict[str, Any], ctx: UpdateContext) -> None:
        rho, eps = self._rho, self._epsilon
        a, d = state['a'], state['d']
        a.mul_(rho).addcmul_(g, g, value=1.0 - rho)
        x = (d + eps).sqrt_().div_((a + eps).sqrt_()).mul_(g)
        d.mul_(rho).addcmul_(x, x, value=1.0 - rho)
        p.add_(x, alpha=-ctx['eta'])
