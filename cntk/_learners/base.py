"""`Learner`: the common machinery of every built-in learner.

A learner owns a subset of a model's parameters and updates them in place (``p._tensor`` under
``torch.no_grad()``) from gradients of the SUM of per-sample losses. The base class evaluates the
learning-rate schedule, applies CNTK's per-sample regularisation / clipping / noise, calls the
subclass rule per parameter, applies the proximal L1 step and keeps the sample / minibatch /
sweep counters that drive the schedules.

Subclasses implement three hooks:

* ``_hyper(ctx)`` – evaluate their own schedules for this minibatch (adds entries to ``ctx``);
* ``_init_state(p)`` – a dict of per-parameter state (tensors or Python floats);
* ``_apply(p, g, state, ctx)`` – update the parameter tensor ``p`` in place from gradient ``g``;
  a rule may also override ``_apply_all`` to update all parameters with one call per step.
"""
from __future__ import annotations

import itertools
from typing import Any, Dict, Iterable, List, Mapping, Optional

import numpy as np
import torch

from . import preprocess
from .options import LearnerOptions
from .schedules import IGNORE, TrainingParameterSchedule, learning_parameter_schedule

_CHECKPOINT_FORMAT = 1
_noise_seed_counter = itertools.count(1)


def _base_seed() -> int:
    try:
        from cntk._graph.random_state import get_random_seed
        return int(get_random_seed())
    except Exception:  # the core may be unavailable while it is being written
        return 0


def elem_round(value: float, dtype: torch.dtype) -> float:
    """``value`` rounded to the precision the parameter's arithmetic runs in (float32 unless float64).

    CNTK evaluates momentum-like factors in the element type, so e.g. ``1 − β`` is computed
    from β rounded to float32 for float32 parameters (observable at 1e-3 relative for β≈1).
    """
    if dtype == torch.float64:
        return float(value)
    return float(np.float32(value))


def batched(params: List[torch.Tensor]) -> bool:
    """Whether a rule may update ``params`` with ``torch._foreach_*`` ops, one call per arithmetic
    step for all of them: they share a dtype (the rounded factors depend on it) and a device. The
    foreach ops do the same element arithmetic as the per-tensor ops, so the results are equal."""
    first = params[0]
    return all(p.dtype == first.dtype and p.device == first.device for p in params)


class UpdateContext(dict):
    """Per-minibatch quantities handed to the rules: ``lr`` (schedule value), ``eta`` (lr/M),
    ``N`` (samples), ``t`` (1-based update count) plus what ``_hyper`` adds."""


class Learner:
    """Base class of the learners: owns parameters, schedules, counters and per-parameter state.

    Use the factories (`sgd`, `momentum_sgd`, `adam`, ...) to create learners.
    """

    #: Reference-minibatch-size sentinel meaning "as the minibatch comes" (0).
    ignored_minibatch_size: int = IGNORE
    _MINIBATCH_SIZE = 'MinibatchSize'
    #: Names of per-parameter state entries held as Python floats (all others are tensors).
    _SCALAR_STATE: tuple = ()

    def __init__(self, parameters: Iterable[Any], lr: Any, options: Optional[LearnerOptions] = None) -> None:
        params = self._check_parameters(parameters)
        if not isinstance(lr, TrainingParameterSchedule):
            lr = self._coerce_schedule(lr)
        self._parameters = params
        self._lr_schedule: TrainingParameterSchedule = lr
        self._options = options if options is not None else LearnerOptions()
        self.is_minibatch_size_explicitly_specified = self._options.minibatch_size is not None
        self._sample_count = 0
        self._minibatch_count = 0
        self._sweep_count = 0
        self._update_count = 0
        self._lr_sample_offset = 0
        self._lr_sweep_offset = 0
        self._state: List[Optional[Dict[str, Any]]] = [None] * len(params)
        self._progress_writers: list = []
        self._last_reported: Dict[str, tuple] = {}
        self._noise_seed = (_base_seed() * 1000003 + next(_noise_seed_counter)) % (2 ** 31)
        self._noise_generator: Optional[torch.Generator] = None
        if self._options.gaussian_noise_injection_std_dev != 0.0:
            self._noise_generator = torch.Generator()
            self._noise_generator.manual_seed(self._noise_seed)

    # --- construction helpers ---------------------------------------------------------------
    @staticmethod
    def _check_parameters(parameters: Iterable[Any]) -> tuple:
        if hasattr(parameters, '_tensor') or hasattr(parameters, 'is_parameter'):
            parameters = [parameters]
        params = tuple(parameters)
        if not params:
            raise ValueError('The parameters list specified to a Learner must not be empty.')
        seen = set()
        for p in params:
            if not getattr(p, 'is_parameter', False) or not hasattr(p, '_tensor'):
                raise TypeError('a learner updates Parameters only, got %r' % (p,))
            if id(p) in seen:
                raise ValueError("Learner's parameters list must not contain duplicates.")
            seen.add(id(p))
        return params

    @staticmethod
    def _coerce_schedule(lr: Any) -> TrainingParameterSchedule:
        try:
            return learning_parameter_schedule(lr)
        except ValueError:
            raise ValueError('learning_rate type (%s) not supported; it must be a number, a list or a training '
                             'schedule (output of learning_parameter_schedule())' % type(lr))

    # --- public API ---------------------------------------------------------------------------
    @property
    def _learning_rate_schedule(self) -> TrainingParameterSchedule:
        """The learning-rate schedule (the attribute name CNTK's own tests inspect)."""
        return self._lr_schedule

    @property
    def parameters(self) -> tuple:
        """The parameters this learner updates, in the order given."""
        return self._parameters

    @property
    def minibatch_size(self) -> int:
        """The learner's reference minibatch size (0 = IGNORE, i.e. not specified)."""
        mbs = self._options.minibatch_size
        return IGNORE if mbs is None else int(mbs)

    @minibatch_size.setter
    def minibatch_size(self, value: int) -> None:
        """Set the reference minibatch size (IGNORE switches to compatible mode); the learning-rate
        schedule takes it too, as CNTK's learner did."""
        self._options.minibatch_size = int(value)
        self.is_minibatch_size_explicitly_specified = True
        self._lr_schedule = self._lr_schedule._copy()
        self._lr_schedule.minibatch_size = int(value)

    def learning_rate(self) -> float:
        """The learning-rate schedule's current value (before any division by a minibatch size)."""
        return self._lr_schedule.value(self._sample_count - self._lr_sample_offset,
                                       self._sweep_count - self._lr_sweep_offset)

    def reset_learning_rate(self, learning_rate: Any) -> None:
        """Replace the learning-rate schedule; the new schedule starts counting from now."""
        if not isinstance(learning_rate, TrainingParameterSchedule):
            learning_rate = self._coerce_schedule(learning_rate)
        self._lr_schedule = learning_rate
        self._lr_sample_offset = self._sample_count
        self._lr_sweep_offset = self._sweep_count

    def is_compatible_mode(self) -> bool:
        """True when the learner's reference minibatch size was set to IGNORE (0), either with
        ``minibatch_size=0`` or the legacy ``use_mean_gradient=True``: the learner then divides the
        summed gradient by N itself and applies per-sample option weights without the factor N."""
        return self._options.minibatch_size is not None and int(self._options.minibatch_size) == IGNORE

    def total_number_of_samples_seen(self) -> int:
        """Samples of all updates so far (updates with learning rate 0 are not counted)."""
        return self._sample_count

    def total_number_of_minibatches_seen(self) -> int:
        """Number of updates performed so far."""
        return self._minibatch_count

    def total_number_of_sweeps_seen(self) -> int:
        """Number of updates that were flagged as the end of a data sweep."""
        return self._sweep_count

    def reset_smoothed_gradients(self) -> None:
        """Forget the per-parameter state (momentum buffers, accumulators); it restarts from scratch."""
        self._state = [None] * len(self._parameters)

    def set_need_to_update_master_parameter(self) -> None:
        """CNTK's hook for float16 training with float32 master copies; not supported here."""
        raise NotImplementedError('cntk.learners.Learner.set_need_to_update_master_parameter (float16 master '
                                  'parameters) is not implemented')

    def add_progress_writers(self, progress_writers: Any) -> None:
        """Attach progress writers: each gets ``write('Learning rate per ...', value)`` when the
        learning rate is first used and whenever it changes."""
        if progress_writers is None:
            return
        if not isinstance(progress_writers, (list, tuple, set)):
            progress_writers = [progress_writers]
        for w in progress_writers:
            if w not in self._progress_writers:
                self._progress_writers.append(w)

    def update(self, gradient_values: Mapping[Any, Any], training_sample_count: int, is_sweep_end: bool = False) -> bool:
        """Update the parameters from ``{parameter: gradient}`` (NumPy arrays, torch tensors or values
        with ``asarray()``), where the gradients are of the SUM of the per-sample losses of a
        minibatch of ``training_sample_count`` samples. Returns False when the learning rate is 0
        (nothing is updated or counted then)."""
        grads = {}
        for p in self._parameters:
            if p in gradient_values:
                grads[p] = self._to_tensor(gradient_values[p], p)
        return self._update_from_torch(grads, training_sample_count, is_sweep_end)

    def _update_from_torch(self, grads: Mapping[Any, torch.Tensor], sample_count: int, sweep_end: bool = False) -> bool:
        """Fast path for the Trainer: gradients already torch tensors (of the summed loss)."""
        n = int(sample_count)
        if n <= 0:
            raise ValueError('Learner.update: cannot perform an update with an empty minibatch '
                             '(training_sample_count=%r).' % (sample_count,))
        lr = self.learning_rate()
        self._report_learning_rate(lr)
        if lr == 0.0:
            return False
        tensors = []
        for p in self._parameters:
            if p not in grads:
                raise RuntimeError("Learner.update: no gradient given for parameter '%s' (%s)" % (p.name, p.uid))
            if p._tensor is None:
                raise RuntimeError("Learner.update: parameter '%s' has no value yet (inferred shape %s)"
                                   % (p.name, p.shape))
            tensors.append(p._tensor)
        ref = self._lr_schedule.minibatch_size
        # Compatible mode (learner minibatch size IGNORE): the gradient is first turned into the
        # mean gradient, the per-sample option weights (clipping threshold, L2, L1) are no longer
        # multiplied by N, and a schedule with its own reference size M is applied as lr·N/M.
        compat = self.is_compatible_mode()
        per_sample = 1 if compat else n
        if compat:
            eta = lr if ref == IGNORE else lr * n / ref
        else:
            eta = lr / (n if ref == IGNORE else ref)
        self._update_count += 1
        ctx = UpdateContext(lr=lr, N=n, eta=eta, t=self._update_count, compat=compat)
        self._hyper(ctx)
        opts = self._options
        noise = opts.gaussian_noise_injection_std_dev
        with torch.no_grad():
            gs = []
            for i, (p, pt) in enumerate(zip(self._parameters, tensors)):
                g = grads[p]
                if g.dtype != pt.dtype or g.device != pt.device:
                    g = g.to(device=pt.device, dtype=pt.dtype)
                g = g.detach()
                if g.shape != pt.shape:
                    g = g.reshape(pt.shape)
                if compat:
                    g = g / n
                g = preprocess.clip(g, opts.gradient_clipping_threshold_per_sample, per_sample,
                                    opts.gradient_clipping_with_truncation)
                gs.append(preprocess.add_l2(g, pt, opts.l2_regularization_weight, per_sample))
                preprocess.add_noise_(pt, noise, self._noise_generator)
                if self._state[i] is None:
                    self._state[i] = self._init_state(pt)
            self._apply_all(tensors, gs, self._state, ctx)
            l1 = ctx['eta'] * opts.l1_regularization_weight * per_sample
            if l1:
                for pt in tensors:
                    preprocess.soft_threshold_(pt, l1)
        self._sample_count += n
        self._minibatch_count += 1
        if sweep_end:
            self._sweep_count += 1
        return True

    # --- subclass hooks -----------------------------------------------------------------------
    def _hyper(self, ctx: UpdateContext) -> None:
        """Evaluate the learner's own schedules for this minibatch into ``ctx``."""

    def _init_state(self, p: torch.Tensor) -> Dict[str, Any]:
        """Fresh per-parameter state."""
        return {}

    def _apply(self, p: torch.Tensor, g: torch.Tensor, state: Dict[str, Any], ctx: UpdateContext) -> None:
        """Update ``p`` in place."""
        raise NotImplementedError

    def _apply_all(self, params: List[torch.Tensor], grads: List[torch.Tensor], states: List[Dict[str, Any]],
                   ctx: UpdateContext) -> None:
        """Update every parameter in place: ``_apply`` per parameter, unless a rule does them all at
        once (see `batched`)."""
        for p, g, state in zip(params, grads, states):
            self._apply(p, g, state, ctx)

    def _momentum_value(self, schedule: TrainingParameterSchedule, n: int) -> float:
        """A momentum-like schedule evaluated for a minibatch of ``n`` samples (m**(n/M))."""
        return schedule.scaled_momentum(self._sample_count, self._sweep_count, n)

    # --- helpers ---------------------------------------------------------------------------------
    @staticmethod
    def _to_tensor(value: Any, p: Any) -> torch.Tensor:
        target = p._tensor
        if isinstance(value, torch.Tensor):
            t = value
        else:
            if hasattr(value, 'asarray') and not isinstance(value, np.ndarray):
                value = value.asarray()
            t = torch.as_tensor(np.asarray(value))
        if target is not None:
            t = t.to(device=target.device, dtype=target.dtype)
        return t

    def _report_learning_rate(self, lr: float) -> None:
        self._report('Learning rate', self._lr_schedule, lr)

    def _report(self, name: str, schedule: TrainingParameterSchedule, value: float) -> None:
        """Tell the progress writers a hyper-parameter's value when it is first used or changes."""
        if not self._progress_writers:
            return
        ref = schedule.minibatch_size
        key = '%s per minibatch' % name if ref == IGNORE else '%s per %d samples' % (name, ref)
        if self._last_reported.get(name) == (key, value):
            return
        self._last_reported[name] = (key, value)
        for w in self._progress_writers:
            w.write(key, value)

    # --- checkpointing -----------------------------------------------------------------------
    def create_checkpoint(self) -> Dict[str, Any]:
        """The learner's state as a flat dict of NumPy arrays, numbers and strings.

        Holds the counters, the learning-rate schedule, the noise generator and every
        per-parameter state tensor (keyed by the parameter's position in `parameters`).
        """
        ck: Dict[str, Any] = {
            'type': type(self).__name__, 'format': _CHECKPOINT_FORMAT, 'num_parameters': len(self._parameters),
            'sample_count': self._sample_count, 'minibatch_count': self._minibatch_count,
            'sweep_count': self._sweep_count, 'update_count': self._update_count,
            'lr_sample_offset': self._lr_sample_offset, 'lr_sweep_offset': self._lr_sweep_offset,
            'noise_seed': self._noise_seed,
        }
        sched = self._lr_schedule.serialize()
        ck['lr_schedule/counts'] = np.asarray(sched['counts'], dtype=np.int64)
        ck['lr_schedule/values'] = np.asarray(sched['values'], dtype=np.float64)
        ck['lr_schedule/epoch_size'] = sched['epoch_size']
        ck['lr_schedule/minibatch_size'] = sched['minibatch_size']
        ck['lr_schedule/explicit'] = bool(sched['explicit'])
        if self._noise_generator is not None:
            ck['noise_rng_state'] = self._noise_generator.get_state().numpy().copy()
        for i, state in enumerate(self._state):
            if state is None:
                continue
            ck['state/%d' % i] = True
            for name, value in state.items():
                key = 'state/%d/%s' % (i, name)
                ck[key] = value.detach().cpu().numpy().copy() if isinstance(value, torch.Tensor) else float(value)
        return ck

    def restore_from_checkpoint(self, checkpoint: Mapping[str, Any]) -> None:
        """Restore what `create_checkpoint` saved (the parameters must be in the same order)."""
        if checkpoint.get('type') != type(self).__name__:
            raise ValueError('checkpoint is for a %s learner, this is a %s' % (checkpoint.get('type'), type(self).__name__))
        if int(checkpoint['num_parameters']) != len(self._parameters):
            raise ValueError('checkpoint holds state for %d parameters, this learner has %d'
                             % (int(checkpoint['num_parameters']), len(self._parameters)))
        for name in ('sample_count', 'minibatch_count', 'sweep_count', 'update_count', 'lr_sample_offset',
                     'lr_sweep_offset', 'noise_seed'):
            setattr(self, '_' + name, int(checkpoint[name]))
        self._lr_schedule = TrainingParameterSchedule.deserialize({
            'counts': checkpoint['lr_schedule/counts'], 'values': checkpoint['lr_schedule/values'],
            'epoch_size': checkpoint['lr_schedule/epoch_size'], 'minibatch_size': checkpoint['lr_schedule/minibatch_size'],
            'explicit': checkpoint['lr_schedule/explicit']})
        if 'noise_rng_state' in checkpoint:
            if self._noise_generator is None:
                self._noise_generator = torch.Generator()
            self._noise_generator.set_state(torch.as_tensor(np.asarray(checkpoint['noise_rng_state'], dtype=np.uint8)))
        states: List[Optional[Dict[str, Any]]] = [None] * len(self._parameters)
        for i, p in enumerate(self._parameters):
            if ('state/%d' % i) not in checkpoint:
                continue
            prefix = 'state/%d/' % i
            target = p._tensor
            state = {}
            for key, value in checkpoint.items():
                if not key.startswith(prefix):
                    continue
                name = key[len(prefix):]
                if name in self._SCALAR_STATE:
                    state[name] = float(np.asarray(value))
                else:
                    t = torch.as_tensor(np.array(value))
                    if target is not None:
                        t = t.to(device=target.device, dtype=target.dtype)
                    state[name] = t
            states[i] = state
        self._state = states

    def __repr__(self) -> str:
        return '%s(%d parameters, lr=%r)' % (type(self).__name__, len(self._parameters), self._lr_schedule)
