"""User-defined learners: `UserLearner` (subclass in Python) and `universal` (update as a graph)."""
from __future__ import annotations

import inspect
from typing import Any, Callable, Dict, Iterable, Mapping, Sequence

import numpy as np
import torch

from .base import Learner
from .schedules import learning_parameter_schedule


class UserLearner(Learner):
    """Base class for learners written in Python.

    Subclass it and override ``update(gradient_values, training_sample_count, sweep_end)``:
    ``gradient_values`` maps each parameter to its gradient (of the summed minibatch loss) as a
    NumPy array when ``as_numpy`` is True, else as a torch tensor; change the parameters (e.g.
    ``p.value = ...``) and return True (False means "learning has stopped"). As in CNTK, the
    sample/minibatch counters of a user learner are not advanced automatically.
    """

    def __init__(self, parameters: Iterable[Any], lr_schedule: Any, as_numpy: bool = True) -> None:
        super().__init__(parameters, lr_schedule)
        self.as_numpy = bool(as_numpy)

    def update(self, gradient_values: Mapping[Any, Any], training_sample_count: int, sweep_end: bool) -> bool:  # type: ignore[override]
        """Override in the subclass: apply one update and return True to continue learning."""
        raise NotImplementedError('UserLearner subclasses must implement update(gradient_values, '
                                  'training_sample_count, sweep_end)')

    def _update_from_torch(self, grads: Mapping[Any, torch.Tensor], sample_count: int, sweep_end: bool = False) -> bool:
        values: Dict[Any, Any] = {}
        for p in self._parameters:
            if p in grads:
                g = grads[p].detach()
                values[p] = g.cpu().numpy().copy() if self.as_numpy else g
        return bool(self.update(values, int(sample_count), bool(sweep_end)))


class UniversalLearner(Learner):
    """A learner whose update is a graph built by the user from parameters and gradient inputs.

    Created by `universal`; at each update the gradient constants receive the current gradients
    (of the summed loss) and the update function is evaluated (its assign ops change the
    parameters).
    """

    def __init__(self, parameters: Sequence[Any], gradients: Sequence[Any], update_function: Any) -> None:
        super().__init__(parameters, learning_parameter_schedule(1.0))
        self._gradients = list(gradients)
        self._function = update_function

    def _update_from_torch(self, grads: Mapping[Any, torch.Tensor], sample_count: int, sweep_end: bool = False) -> bool:
        n = int(sample_count)
        if n <= 0:
            raise ValueError('Learner.update: cannot perform an update with an empty minibatch '
                             '(training_sample_count=%r).' % (sample_count,))
        with torch.no_grad():
            for p, holder in zip(self._parameters, self._gradients):
                if p not in grads:
                    raise RuntimeError("Learner.update: no gradient given for parameter '%s' (%s)" % (p.name, p.uid))
                holder._tensor.copy_(grads[p].detach().to(device=holder._tensor.device, dtype=holder._tensor.dtype))
        fn = self._function
        if isinstance(fn, (list, tuple)):
            for f in fn:
                f.eval()
        else:
            fn.eval()
        self._sample_count += n
        self._minibatch_count += 1
        if sweep_end:
            self._sweep_count += 1
        return True


def universal(update_func: Callable[[Sequence[Any], Sequence[Any]], Any], parameters: Iterable[Any]) -> UniversalLearner:
    """A learner defined by ``update_func(parameters, gradients)``, which must return a Function
    (typically ``combine`` of ``assign(p, new_value)`` ops) expressing the update with graph ops.

    ``gradients`` are constants, one per parameter, that receive the gradient of the summed
    minibatch loss before the function is evaluated at each update.
    """
    try:
        n_args = len([a for a in inspect.signature(update_func).parameters.values()
                      if a.kind in (a.POSITIONAL_ONLY, a.POSITIONAL_OR_KEYWORD)])
    except (TypeError, ValueError):
        n_args = 2
    if n_args != 2:
        raise ValueError('update_func must be a function that accepts two arguments (parameters, gradients)')
    from cntk._graph.variable import Constant
    params = list(parameters)
    gradients = []
    for p in params:
        if any(d < 0 for d in p.shape) or p._tensor is None:
            raise ValueError('parameter %s has inferred dimensions; create the learner after all parameter '
                             'shapes have been determined' % (p,))
        gradients.append(Constant(np.zeros(p.shape, dtype=p.dtype), dtype=p.dtype, name='grad'))
    result = update_func(params, gradients)
    return UniversalLearner(params, gradients, result)
