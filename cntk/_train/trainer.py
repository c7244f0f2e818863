"""`Trainer`: one minibatch at a time, forward and backward through a criterion, then the learners.

Per minibatch it sums the loss over every valid position and element, counts the positions
(samples), hands the gradient of that sum to each learner, and reports the running loss and
metric sums to its progress writers, as CNTK's Trainer did.
"""
from __future__ import annotations

import math
import os
import sys
import warnings
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .._distributed import training as distributed
from .._distributed.totals import MinibatchTotals
from .._graph.function import Function
from .._graph.variable import Variable, torch_dtype
from .._ops.tensor import combine
from . import checkpoint
from .criterion import as_function, check_complete, split_criterion, sweep_end_of
from .evaluator import TestTally, as_writer_list
from ..device import get_mixed_precision
from .step import LossScaler, accumulate, data_map, parameter_gradients, run_outputs, scalar

_NONFINITE_POLICIES = ('warn', 'raise', 'ignore')


class Trainer:
    """Train a model's parameters from minibatches with a loss (and report a metric).

    Args:
        model: the model Function (may be None when the criterion is all there is).
        criterion: the loss, a (loss, metric) pair, or a Function with two outputs.
        parameter_learners: a learner or a list of learners; each owns some of the parameters.
        progress_writers: writers (e.g. `ProgressPrinter`) receiving progress and learning rates.
        on_nonfinite_loss: what to do when a minibatch's loss is NaN or infinite: 'warn' (default;
            the update is still applied, as CNTK did), 'raise' (FloatingPointError naming the minibatch,
            before any parameter changes) or 'ignore'. Not in CNTK.
    """

    def __init__(self, model: Optional[Function], criterion: Any, parameter_learners: Any,
                 progress_writers: Any = None, *, on_nonfinite_loss: str = 'warn') -> None:
        if on_nonfinite_loss not in _NONFINITE_POLICIES:
            raise ValueError("on_nonfinite_loss must be one of %s, got %r" % (_NONFINITE_POLICIES, on_nonfinite_loss))
        self._model = as_function(model) if model is not None else None
        self._loss, self._metric = split_criterion(criterion)
        learners = parameter_learners if isinstance(parameter_learners, (list, tuple)) else [parameter_learners]
        self._learners = list(learners)
        self._learned_parameters = [p for learner in self._learners for p in learner.parameters]
        self._distributed = distributed.uses_distributed_learners(self._learners)
        self._writers = distributed.writers_for_this_worker(as_writer_list(progress_writers), self._distributed)
        self._nonfinite = on_nonfinite_loss
        outputs = [self._loss.output] + ([self._metric.output] if self._metric is not None else [])
        self._combined = combine(outputs)
        self._check_learners()
        for learner in self._learners:
            learner.add_progress_writers(self._writers)
        self._tally = TestTally(self._writers)
        self._loss_sum: Optional[np.generic] = None
        self._metric_sum: Optional[np.generic] = None
        self._samples_seen = 0
        self._minibatches = 0
        self._prev_loss = 0.0
        self._prev_metric: Optional[float] = None
        self._prev_count = 0
        self._prev_sweep_end = False
        self._loss_scaler = LossScaler()  # used under set_mixed_precision('fp16')

    def _check_learners(self) -> None:
        model_params = list(self._combined.parameters)
        if self._model is not None:
            model_params += [p for p in self._model.parameters if p not in model_params]
        owners: Dict[int, int] = {}
        for k, learner in enumerate(self._learners):
            for p in learner.parameters:
                if p not in model_params:
                    raise ValueError("learner %d updates parameter '%s' (shape %s), which is not part of the model or "
                                     "criterion" % (k, p.name or p.uid, tuple(p.shape)))
                if id(p) in owners:
                    raise ValueError("parameter '%s' is given to learners %d and %d; each parameter may have one "
                                     "learner only" % (p.name or p.uid, owners[id(p)], k))
                owners[id(p)] = k
        uncovered = [p for p in model_params if id(p) not in owners]
        if uncovered:
            print('[Note:] Trainer ctor: %d of the model parameters are not covered by any of the specified Learners; '
                  'these parameters will not be learned' % len(uncovered), file=sys.stderr)

    # --- properties ---------------------------------------------------------------------------
    @property
    def model(self) -> Optional[Function]:
        """The model being trained (None if only a criterion was given)."""
        return self._model

    @property
    def loss_function(self) -> Function:
        """The loss."""
        return self._loss

    @property
    def evaluation_function(self) -> Optional[Function]:
        """The metric (None if none was given)."""
        return self._metric

    @property
    def parameter_learners(self) -> List[Any]:
        """The learners."""
        return list(self._learners)

    @property
    def previous_minibatch_loss_average(self) -> float:
        """The average loss per sample of the last trained minibatch."""
        return self._prev_loss

    @property
    def previous_minibatch_evaluation_average(self) -> float:
        """The average metric per sample of the last trained minibatch."""
        if self._metric is None:
            raise RuntimeError('Trainer: there is no evaluation average, the criterion has no metric')
        return self._prev_metric if self._prev_metric is not None else 0.0

    @property
    def previous_minibatch_sample_count(self) -> int:
        """How many samples (loss positions) the last trained minibatch had."""
        return self._prev_count

    @property
    def total_number_of_samples_seen(self) -> int:
        """Samples trained on since the start (restored from checkpoints)."""
        return self._samples_seen

    # --- training -----------------------------------------------------------------------------
    def _data_map(self, arguments: Any) -> Dict[Variable, Any]:
        if isinstance(arguments, tuple) and len(arguments) == 2 and isinstance(arguments[0], dict):
            arguments, starts = arguments
            if not all(bool(s) for s in np.atleast_1d(starts)):
                raise NotImplementedError('Trainer.train_minibatch: continuing sequences across minibatches '
                                          '(sequence-start flags False) is not supported')
        return data_map(self._combined, arguments)

    def train_minibatch(self, arguments: Any, outputs: Optional[Sequence[Any]] = None, device: Any = None,
                        is_sweep_end: Optional[bool] = None):
        """Train on one minibatch: forward, backward, and an update by every learner.

        ``arguments``: {argument: data} (NumPy arrays, lists of sequences or MinibatchData); an empty
        dict means no more data. Returns True if parameters were updated; with ``outputs`` also a dict
        of those outputs' values (computed in training mode).
        """
        self._prev_count, self._prev_sweep_end = 0, False
        if self._distributed and distributed.is_empty_share(arguments):
            return self._train_empty_share(outputs)
        if not arguments:
            return (False, {}) if outputs else False
        data = self._data_map(arguments)
        check_complete(self._combined, data, 'Trainer.train_minibatch')
        sweep_end = sweep_end_of(data)
        if sweep_end is not None and is_sweep_end is not None:
            raise ValueError('is_sweep_end cannot be given when the data are MinibatchData (they carry it)')
        sweep_end = bool(sweep_end if sweep_end is not None else is_sweep_end)
        extra = [o.output if isinstance(o, Function) else o for o in (outputs or [])]
        fetch = list(self._combined.outputs) + extra
        result = run_outputs(self._combined, data, fetch, training=True, with_grad=True)
        loss_sum, count = result.sum_and_count(0)
        self._check_finite(float(scalar(loss_sum)), count)
        metric_sum = result.sum_and_count(1)[0] if self._metric is not None else None
        updated, totals = self._update(MinibatchTotals(loss_sum, metric_sum, count, sweep_end))
        self._record(totals)
        if outputs:
            n_crit = len(self._combined.outputs)
            return updated, {o: result.value(n_crit + i) for i, o in enumerate(outputs)}
        return updated

    def _check_finite(self, loss: float, count: int) -> None:
        """Apply the ``on_nonfinite_loss`` policy to this minibatch's summed loss."""
        if math.isfinite(loss) or self._nonfinite == 'ignore':
            return
        message = 'Trainer.train_minibatch: the loss of minibatch %d (%d samples) is %s' % (
            self._minibatches + 1, count, loss)
        if self._nonfinite == 'raise':
            raise FloatingPointError(message + '; no parameter was changed')
        warnings.warn(message, RuntimeWarning, stacklevel=3)

    def _train_empty_share(self, outputs: Optional[Sequence[Any]]):
        """Distributed training when this worker's share of the minibatch is empty: it still takes
        part in the update for as long as another worker has samples."""
        empty = MinibatchTotals.empty(torch_dtype(self._loss.output.dtype), self._metric is not None)
        updated, totals = self._update(empty, distributed.zero_gradients)
        if totals.count:
            self._record(totals)
        return (updated, {}) if outputs else updated

    def _update(self, totals: MinibatchTotals, gradients: Optional[Callable[[List[Any]], Dict[Any, Any]]] = None
                ) -> Tuple[bool, MinibatchTotals]:
        """Update every learner from the gradients of the summed loss (``gradients(params)`` when
        given; scaled losses under float16 mixed precision); returns whether any updated and the totals to
        record (all workers' when distributed)."""
        params = self._learned_parameters
        if gradients is not None:
            grads = gradients(params)
        elif get_mixed_precision() == 'fp16' and not self._distributed:
            scaled = self._loss_scaler.gradients(totals.loss, params)
            if scaled is None:  # float16 overflow: no update this step, a smaller loss scale next
                return False, totals
            grads = scaled
        else:
            grads = parameter_gradients(totals.loss, params)
        if self._distributed:
            return distributed.update(self._learners, grads, totals)
        updated = False
        for learner in self._learners:
            updated |= bool(learner._update_from_torch(grads, totals.count, totals.sweep_end))
        return updated, totals

    def _record(self, totals: MinibatchTotals) -> None:
        count = totals.count
        loss = scalar(totals.loss)
        self._loss_sum = accumulate(self._loss_sum, loss)
        self._prev_loss = float(loss) / count if count else 0.0
        if totals.metric is not None:
            metric = scalar(totals.metric)
            self._metric_sum = accumulate(self._metric_sum, metric)
            self._prev_metric = float(metric) / count if count else 0.0
        self._prev_count = count
        self._prev_sweep_end = totals.sweep_end
        self._samples_seen += count
        self._minibatches += 1
        loss_total = float(self._loss_sum)
        metric_total = float(self._metric_sum) if self._metric_sum is not None else 0.0
        for w in self._writers:
            w.update_training(count, loss_total, metric_total)

    def test_minibatch(self, arguments: Any, device: Any = None) -> float:
        """The average metric per sample on one minibatch (inference mode); reported as a test update."""
        return self.test_minibatch_with_count(arguments)[0]

    def test_minibatch_with_count(self, arguments: Any) -> Tuple[float, int]:
        """As `test_minibatch`, also returning the number of samples evaluated."""
        if self._metric is None:
            raise ValueError('Trainer.test_minibatch: the Trainer was created without an evaluation (metric) '
                             'function')
        if isinstance(arguments, tuple) and len(arguments) == 2 and isinstance(arguments[0], dict):
            arguments = arguments[0]
        return self._tally.evaluate(self._metric, arguments, 'Trainer.test_minibatch')

    def summarize_training_progress(self) -> None:
        """Report the epoch's totals to the progress writers ("Finished Epoch") and start a new epoch."""
        loss_total = float(self._loss_sum) if self._loss_sum is not None else 0.0
        metric_total = float(self._metric_sum) if self._metric_sum is not None else 0.0
        for w in self._writers:
            w.write_training_summary(loss_total, metric_total)
        self._loss_sum = self._metric_sum = None

    def summarize_test_progress(self) -> None:
        """Report the evaluation's totals to the progress writers ("Finished Evaluation")."""
        self._tally.summarize()

    # --- checkpoints ----------------------------------------------------------------------------
    def _checkpoint_function(self) -> Function:
        roots = list(self._combined.outputs)
        if self._model is not None:
            roots = [o for o in self._model.outputs if o not in roots] + roots
        return combine(roots)

    def save_checkpoint(self, filename: str, external_state: Optional[dict] = None) -> None:
        """Save the model to ``filename`` and the training state to ``filename.ckp`` (atomically).

        With distributed learners every worker must call it; worker 0 writes the files."""
        learner_states = [learner.create_checkpoint() for learner in self._learners]  # may synchronise the model
        fn = self._checkpoint_function()
        params = list(fn.parameters)
        state = {
            'kind': 'trainer',
            'samples_seen': self._samples_seen,
            'minibatches': self._minibatches,
            'parameter_names': [p.name for p in params],
            'parameter_values': [p._tensor.detach().cpu().numpy().copy() for p in params],
            'constant_values': [c.value for c in fn.constants],  # e.g. batch normalisation's running statistics
            'learners': learner_states,
            'learner_parameter_indices': [[params.index(p) for p in learner.parameters]
                                          for learner in self._learners],
            'external_state': dict(external_state or {}),
        }
        if self._distributed:
            distributed.save_checkpoint(state, lambda: checkpoint.save(filename, fn.save, state))
        else:
            checkpoint.save(filename, fn.save, state)

    def _restore_cntk_checkpoint(self, model_path: str, state_path: str) -> dict:
        """Continue from a checkpoint CNTK 2.7 wrote: parameters from its model file, learner state
        (counters, Adam/momentum buffers) from its ``.ckp``; the learners keep their own schedules."""
        from .._serialization.checkpoint import learner_state_from_cntk, read_cntk_checkpoint
        saved = read_cntk_checkpoint(state_path)
        if len(saved['learners']) != len(self._learners):
            raise ValueError('checkpoint %s holds %d learners, this trainer has %d'
                             % (state_path, len(saved['learners']), len(self._learners)))
        states = [learner_state_from_cntk(entry, learner) for entry, learner in zip(saved['learners'], self._learners)]
        self._checkpoint_function().restore(model_path)
        for learner, state in zip(self._learners, states):
            learner.restore_from_checkpoint(state)
        self._samples_seen = int(saved['learners'][0]['sample_count']) if saved['learners'] else 0
        self._minibatches = int(saved['learners'][0]['minibatch_count']) if saved['learners'] else 0
        return dict(saved['external_state'])

    def restore_from_checkpoint(self, filename: str) -> dict:
        """Restore parameters, constants (running statistics), learner state and counters saved by
        `save_checkpoint`; returns the external state that was saved with them."""
        _, state_path = checkpoint.split_paths(filename)
        if os.path.exists(state_path) and not checkpoint.is_own_format(state_path):
            return self._restore_cntk_checkpoint(filename, state_path)
        state = checkpoint.load_state(state_path)
        if state.get('kind') != 'trainer':
            raise ValueError('%s is not a Trainer checkpoint' % state_path)
        params = list(self._checkpoint_function().parameters)
        values = state['parameter_values']
        if len(values) != len(params):
            raise ValueError('checkpoint %s holds %d parameters, this model has %d: it was saved from another model'
                             % (state_path, len(values), len(params)))
        for p, v, name in zip(params, values, state['parameter_names']):
            if tuple(v.shape) != tuple(p.shape):
                raise ValueError("checkpoint %s: parameter '%s' has shape %s there, %s in this model: it was saved "
                                 "from another model" % (state_path, name, tuple(v.shape), tuple(p.shape)))
        if len(state['learners']) != len(self._learners):
            raise ValueError('checkpoint %s holds %d learners, this trainer has %d'
                             % (state_path, len(state['learners']), len(self._learners)))
        for p, v in zip(params, values):
            p.value = v
        constants = list(self._checkpoint_function().constants)
        saved_constants = state.get('constant_values')
        if saved_constants is not None and len(saved_constants) == len(constants):
            for c, v in zip(constants, saved_constants):
                c.value = v
        for learner, saved in zip(self._learners, state['learners']):
            learner.restore_from_checkpoint(saved)
        self._samples_seen = int(state['samples_seen'])
        self._minibatches = int(state['minibatches'])
        return distributed.external_state(state) if self._distributed else state['external_state']
