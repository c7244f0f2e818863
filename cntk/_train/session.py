"""`TrainingSession`: the managed training loop — read, train, and at set frequencies print epoch
summaries, cross-validate and checkpoint; test at the end.

Actions fire when the count they follow (samples, minibatches or sweeps) crosses a multiple of
their frequency; whatever is left over when training stops gets a final, partial action.
"""
from __future__ import annotations

import glob
import os
import re
from typing import Any, Callable, Dict, List, Optional

from .._distributed.training import DataShare, data_share
from .configs import CheckpointConfig, CrossValidationConfig, TestConfig, wrap_data
from .schedules import END_OF_TRAINING, DataUnit, as_minibatch_size_schedule, unpack_frequency

SOURCE_STATE_KEY = 'TrainingMinibatchSource'


class _PeriodicAction:
    """An action run each time a counter passes a multiple of its frequency."""

    def __init__(self, frequency: int, unit: DataUnit, run: Callable[[int], bool]) -> None:
        self.frequency = frequency
        self.unit = unit
        self.run = run
        self.index = 0
        self.count_when_last_run = 0


def _is_infinite(source: Any) -> bool:
    probe = getattr(source, 'is_infinite', None)
    return bool(probe()) if callable(probe) else False


_WHOLE_DATA = DataShare(partitions=1, index=0, size_scale=1)


def _next_share(source: Any, size: int, share: DataShare) -> Dict[Any, Any]:
    """This worker's share of the next ``size`` samples (a Python source takes the partition positionally)."""
    from .._io.from_data import UserMinibatchSource
    if isinstance(source, UserMinibatchSource):
        return source.next_minibatch(size, share.partitions, share.index)
    return source.next_minibatch(size, num_data_partitions=share.partitions, partition_index=share.index)


def read_minibatch(source: Any, mapping: Dict[Any, Any], size: int, share: Optional[DataShare] = None
                   ) -> Dict[Any, Any]:
    """The next minibatch of ``size`` samples as {argument: MinibatchData} ({} at the end or for size 0);
    with ``share``, this distributed worker's part of it."""
    if size <= 0:
        return {}
    batch = _next_share(source, size, share or _WHOLE_DATA)
    if not batch:
        return {}
    missing = [s for s in mapping.values() if s not in batch]
    if missing:
        raise ValueError('the minibatch source has no stream %s (it has %s)'
                         % (', '.join(repr(getattr(s, 'name', s)) for s in missing),
                            ', '.join(repr(getattr(s, 'name', s)) for s in batch)))
    return {var: batch[stream] for var, stream in mapping.items()}


class TrainingSession:
    """A training loop over a minibatch source; create it with `training_session` and call `train`."""

    def __init__(self, trainer: Any, mb_source: Any, mb_size: Any, model_inputs_to_streams: Optional[Dict[Any, Any]],
                 max_samples: Optional[int], progress_frequency: Any, checkpoint_config: Optional[CheckpointConfig],
                 cv_config: Optional[CrossValidationConfig], test_config: Optional[TestConfig]) -> None:
        if trainer is None:
            raise ValueError('Trainer must not be None.')
        if mb_source is None:
            raise ValueError('Training minibatch source must not be None.')
        self.trainer = trainer
        self.source, self.mapping = wrap_data(mb_source, model_inputs_to_streams, trainer.loss_function)
        if not self.mapping:
            raise ValueError('Mapping between input vars and streams should not be empty.')
        self.mb_size = as_minibatch_size_schedule(mb_size, 'mb_size')
        self.max_samples = END_OF_TRAINING if max_samples is None else int(max_samples)
        self.checkpoint = checkpoint_config
        self.cv = cv_config
        self.test = test_config
        self._check_finite()
        self._minibatches = 0
        self._sweeps = 0
        self._actions: List[_PeriodicAction] = []
        frequency, unit = unpack_frequency(progress_frequency)
        frequency = END_OF_TRAINING if frequency is None else frequency
        if frequency:
            self._actions.append(_PeriodicAction(frequency, unit, self._report_progress))
        if checkpoint_config is not None and checkpoint_config.frequency:
            self._actions.append(_PeriodicAction(checkpoint_config.frequency, checkpoint_config.frequency_unit,
                                                 self._save_checkpoint))
        if cv_config is not None and cv_config.frequency:
            self._actions.append(_PeriodicAction(cv_config.frequency, cv_config.frequency_unit, self._cross_validate))

    def _check_finite(self) -> None:
        """Refuse loops that would never end: an endless source needs a sample limit."""
        endless = [('Train', self.source, self.max_samples)]
        if self.test is not None:
            endless.append(('Test', self.test.source, END_OF_TRAINING))
        if self.cv is not None:
            endless.append(('Cross validation', self.cv.source, self.cv.max_samples))
        for what, source, limit in endless:
            if source is not None and limit == END_OF_TRAINING and _is_infinite(source):
                raise ValueError('%s minibatch source must have a limited number of samples or sweeps (set max_samples '
                                 'or max_sweeps)' % what)

    # --- hooks users may override --------------------------------------------------------------
    def on_minibatch_start(self) -> None:
        """Called before each training minibatch."""

    def on_minibatch_end(self) -> bool:
        """Called after each training minibatch; return False to stop training."""
        return True

    def on_checkpoint_start(self, index: int) -> None:
        """Called before checkpoint number ``index`` is saved."""

    def on_checkpoint_end(self, index: int) -> None:
        """Called after checkpoint number ``index`` is saved."""

    def on_cross_validation_end(self, index: int, average_error: float, num_samples: int,
                                num_minibatches: int) -> bool:
        """Called after each cross-validation; returns False to stop training (default: the
        config's callback decides)."""
        callback = self.cv.callback if self.cv is not None else None
        if callback is None:
            return True
        return bool(callback(index, average_error, num_samples, num_minibatches))

    # --- the loop -------------------------------------------------------------------------------
    def _count(self, unit: DataUnit) -> int:
        if unit == DataUnit.minibatch:
            return self._minibatches
        if unit == DataUnit.sweep:
            return self._sweeps
        return self.trainer.total_number_of_samples_seen

    def train(self, device: Any = None) -> None:
        """Run the training loop until ``max_samples`` samples are trained on or the data end."""
        restored = self._restore() if self.checkpoint is not None and self.checkpoint.restore else 0
        for action in self._actions:
            action.index = self._count(action.unit) // action.frequency
            action.count_when_last_run = self._count(action.unit)
        stop = False
        keep_going = self.max_samples > 0
        while keep_going:
            seen = self.trainer.total_number_of_samples_seen
            left = 0 if stop or self.max_samples <= seen else self.max_samples - seen
            share = data_share(self.trainer.parameter_learners, seen)
            size = self.mb_size[seen] * (share.size_scale if share is not None else 1)
            batch = read_minibatch(self.source, self.mapping, min(size, left), share)
            self.on_minibatch_start()
            keep_going = bool(self.trainer.train_minibatch(batch))
            if self.trainer.previous_minibatch_sample_count:   # all workers' samples when distributed
                self._minibatches += 1
                self._sweeps += int(self.trainer._prev_sweep_end)
            stop |= not self.on_minibatch_end()
            for action in self._actions:
                count = self._count(action.unit)
                index = count // action.frequency
                if index != action.index:
                    stop |= not action.run(action.index)
                    action.index = index
                    action.count_when_last_run = count
        if self.trainer.total_number_of_samples_seen != restored:
            for action in self._actions:
                count = self._count(action.unit)
                if count % action.frequency != 0 and count != action.count_when_last_run:
                    action.run(action.index)
        if self.checkpoint is not None and self.checkpoint.frequency and self.checkpoint.preserve_all:
            self._save_checkpoint(None)
        if self.test is not None and self.test.source is not None:
            self._evaluate(self.test.source, self.test.model_inputs_to_streams or self.mapping,
                           self.test.minibatch_size, END_OF_TRAINING)

    def _report_progress(self, index: int) -> bool:
        self.trainer.summarize_training_progress()
        return True

    def _evaluate(self, source: Any, mapping: Dict[Any, Any], sizes: Any, max_samples: int) -> tuple:
        total, samples, minibatches = 0.0, 0, 0
        while True:
            left = max_samples - samples if max_samples > samples else 0
            batch = read_minibatch(source, mapping, min(sizes[samples], left))
            if not batch:
                break
            average, count = self.trainer.test_minibatch_with_count(batch)
            total += average * count
            samples += count
            minibatches += 1
        self.trainer.summarize_test_progress()
        return total, samples, minibatches

    def _cross_validate(self, index: int) -> bool:
        if self.cv.source is None:
            return self.on_cross_validation_end(index, 0.0, 0, 0)
        position = self.cv.source.get_checkpoint_state()
        total, samples, minibatches = self._evaluate(self.cv.source, self.cv.model_inputs_to_streams or self.mapping,
                                                     self.cv.minibatch_size, self.cv.max_samples)
        self.cv.source.restore_from_checkpoint(position)
        return self.on_cross_validation_end(index, total / samples if samples else 0.0, samples, minibatches)

    # --- checkpoints ----------------------------------------------------------------------------
    def _checkpoint_name(self, index: Optional[int]) -> str:
        """``filename``, or ``filename<index>`` for the numbered copies kept with preserve_all."""
        if index is None or not self.checkpoint.preserve_all:
            return self.checkpoint.filename
        return '%s%d' % (self.checkpoint.filename, index)

    def _save_checkpoint(self, index: Optional[int]) -> bool:
        self.on_checkpoint_start(index)
        state = {SOURCE_STATE_KEY: self.source.get_checkpoint_state(),
                 'session': {'minibatches': self._minibatches, 'sweeps': self._sweeps}}
        self.trainer.save_checkpoint(self._checkpoint_name(index), state)
        self.on_checkpoint_end(index)
        return True

    def _latest_checkpoint(self) -> Optional[str]:
        name = self.checkpoint.filename
        if not name:
            return None
        if os.path.exists(name) and os.path.exists(name + '.ckp'):
            return name
        if not self.checkpoint.preserve_all:
            return None
        numbered = []
        for path in glob.glob(glob.escape(name) + '*'):
            match = re.fullmatch(re.escape(name) + r'(\d+)', path)
            if match and os.path.exists(path + '.ckp'):
                numbered.append((int(match.group(1)), path))
        return max(numbered)[1] if numbered else None

    def _restore(self) -> int:
        path = self._latest_checkpoint()
        if path is None:
            return 0
        state = self.trainer.restore_from_checkpoint(path)
        if SOURCE_STATE_KEY in state:
            self.source.restore_from_checkpoint(state[SOURCE_STATE_KEY])
        session = state.get('session', {})
        self._minibatches = int(session.get('minibatches', 0))
        self._sweeps = int(session.get('sweeps', 0))
        return self.trainer.total_number_of_samples_seen


def training_session(trainer: Any, mb_source: Any, mb_size: Any, model_inputs_to_streams: Optional[Dict[Any, Any]],
                     progress_frequency: Any = None, max_samples: Optional[int] = None,
                     checkpoint_config: Optional[CheckpointConfig] = None,
                     cv_config: Optional[CrossValidationConfig] = None,
                     test_config: Optional[TestConfig] = None) -> TrainingSession:
    """A `TrainingSession` that trains ``trainer`` on ``mb_source`` in minibatches of ``mb_size`` samples.

    Args:
        trainer: the `Trainer`.
        mb_source: the training reader, or a tuple of arrays in the criterion's argument order.
        mb_size: an int or a `minibatch_size_schedule`.
        model_inputs_to_streams: {input variable: stream} (None for in-memory data).
        progress_frequency: samples (or ``(n, DataUnit)``) per printed epoch summary.
        max_samples: stop after this many samples (None: when the data end).
        checkpoint_config, cv_config, test_config: see `CheckpointConfig`, `CrossValidationConfig`,
            `TestConfig`.
    """
    return TrainingSession(trainer, mb_source, mb_size, model_inputs_to_streams, max_samples, progress_frequency,
                           checkpoint_config, cv_config, test_config)
