"""One pass of a criterion over a minibatch: summed values, the count of samples they cover,
and gradients of the summed loss.

CNTK's Trainer sums a loss over every element of every (sequence step x sample) position of its
output and counts those positions; the learners get the gradient of that sum.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from .._exec.runner import Executor, Run
from .._graph.function import Function
from .._graph.variable import Parameter, Variable

_executor = Executor()


class CriterionPass:
    """The result of running some outputs of a function on one minibatch."""

    def __init__(self, run: Run, feeds: Dict[int, object], outputs: Sequence[Variable]) -> None:
        self.run = run
        self.feeds = feeds
        self.outputs = list(outputs)

    def tensor(self, index: int) -> torch.Tensor:
        """The padded value of output ``index``."""
        return self.run.values[id(self.run.plan.outputs[index])]

    def sum_and_count(self, index: int) -> Tuple[torch.Tensor, int]:
        """The sum over all valid positions and elements of output ``index``, and the number of positions."""
        resolved = self.run.plan.outputs[index]
        t = self.tensor(index)
        dyn = len(resolved._dynamic_axes or ())
        if dyn == 2:
            lengths = self.run.ctx.lengths_of(resolved)
            valid = torch.arange(t.shape[1], device=t.device).unsqueeze(0) < lengths.unsqueeze(1)
            valid = valid.reshape(valid.shape + (1,) * (t.dim() - 2))
            return torch.where(valid, t, torch.zeros((), dtype=t.dtype, device=t.device)).sum(), int(lengths.sum())
        if dyn == 1:
            return t.sum(), int(t.shape[0])
        return t.sum(), self._input_sample_count()

    def _input_sample_count(self) -> int:
        """The most samples any input holds (CNTK counts an already fully reduced loss this way)."""
        counts = [int(b.lengths.sum()) if b.lengths is not None else int(b.tensor.shape[0]) for b in self.feeds.values()]
        return max(counts, default=1)

    def value(self, index: int, as_numpy: bool = True):
        """Output ``index`` in CNTK's output convention."""
        return _executor.convert(self.run, self.outputs[index], self.run.plan.outputs[index], as_numpy)


def data_map(fn: Function, arguments: Any) -> Dict[Variable, Any]:
    """``arguments`` as {argument Variable: data} (keys may be Variables, output Functions or names;
    a bare value feeds the single argument), as evaluation takes them."""
    return _executor.normalize_arguments(fn, arguments)


def run_outputs(fn: Function, data: Dict[Variable, object], outputs: Sequence[Variable], training: bool,
                with_grad: bool) -> CriterionPass:
    """Run ``outputs`` of ``fn`` on ``data`` (training mode: dropout active)."""
    run, feeds = _executor.run(fn, data, list(outputs), training=training, needs_grad=with_grad)
    return CriterionPass(run, feeds, outputs)


def parameter_gradients(loss_sum: torch.Tensor, parameters: List[Parameter]) -> Dict[Parameter, torch.Tensor]:
    """d(loss_sum)/dp for each parameter (zeros where the loss does not depend on it)."""
    tensors = [p._tensor for p in parameters]
    live = [i for i, t in enumerate(tensors) if t is not None and t.requires_grad]
    grads: List = [None] * len(tensors)
    if live and loss_sum.requires_grad:
        computed = torch.autograd.grad(loss_sum, [tensors[i] for i in live], allow_unused=True)
        for i, g in zip(live, computed):
            grads[i] = g
    return {p: (g if g is not None else torch.zeros_like(t)) for p, t, g in zip(parameters, tensors, grads)}


class LossScaler:
    """Dynamic loss scaling for float16 training, with the policy and defaults of
    ``torch.amp.GradScaler`` (which drives a torch optimizer; our learners take gradients instead):
    the loss is multiplied by the scale before differentiation and the gradients divided by it; a
    step whose gradients are not finite is skipped and the scale halved, and after ``interval``
    finite steps in a row the scale doubles."""

    def __init__(self, scale: float = 2.0 ** 16, growth: float = 2.0, backoff: float = 0.5,
                 interval: int = 2000) -> None:
        self.scale = scale
        self.growth = growth
        self.backoff = backoff
        self.interval = interval
        self._finite_steps = 0

    def gradients(self, loss_sum: torch.Tensor, parameters: List[Parameter]) -> Optional[Dict[Parameter, torch.Tensor]]:
        """The unscaled gradients of ``loss_sum``, or None when they overflowed (skip this update)."""
        grads = parameter_gradients(loss_sum * self.scale, parameters)
        finite = bool(torch.stack([torch.isfinite(g).all() for g in grads.values()]).all()) if grads else True
        if not finite:
            self.scale *= self.backoff
            self._finite_steps = 0
            return None
        inverse = 1.0 / self.scale
        self._finite_steps += 1
        if self._finite_steps == self.interval:
            self.scale *= self.growth
            self._finite_steps = 0
        return {p: g * inverse for p, g in grads.items()}


def scalar(total: torch.Tensor) -> np.generic:
    """A 0-d tensor as a NumPy scalar of its own precision (one device-to-host copy)."""
    return total.detach().cpu().numpy()[()]


def accumulate(running: Optional[np.generic], value: np.generic) -> np.generic:
    """``running + value`` in the value's precision (CNTK accumulates in the model's element type)."""
    return value if running is None else (running + value).astype(value.dtype)
