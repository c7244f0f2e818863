"""`Function.train` and `Function.test`: the one-call training and evaluation of a criterion."""
from __future__ import annotations

import sys
from typing import Any, List, Optional

from ..variables import Record
from .._logging.writer import ProgressWriter
from .configs import CheckpointConfig, CrossValidationConfig, TestConfig, is_minibatch_source, wrap_data
from .evaluator import Evaluator
from .schedules import as_minibatch_size_schedule
from .session import read_minibatch, training_session
from .trainer import Trainer


class ProgressCollector(ProgressWriter):
    """Records what `train` / `test` return: averages per written update, per epoch, per test."""

    def __init__(self, frequency: Optional[int] = None) -> None:
        super().__init__(sys.maxsize if frequency is None else frequency, 0, sys.maxsize, 0, sys.maxsize, 0)
        self.training_updates: List[Record] = []
        self.training_summaries: List[Record] = []
        self.test_summaries: List[Record] = []

    def on_write_training_update(self, samples, updates, aggregate_loss, aggregate_metric) -> None:
        """Keep the averages since the previous written update."""
        n = samples[1] - samples[0]
        self.training_updates.append(Record(loss=(aggregate_loss[1] - aggregate_loss[0]) / (n or 1),
                                            metric=(aggregate_metric[1] - aggregate_metric[0]) / (n or 1), samples=n))

    def on_write_training_summary(self, samples, updates, summaries, aggregate_loss, aggregate_metric,
                                  elapsed_milliseconds) -> None:
        """Keep the epoch's averages."""
        self.training_summaries.append(Record(loss=aggregate_loss / (samples or 1),
                                              metric=aggregate_metric / (samples or 1), samples=samples))

    def on_write_test_summary(self, samples, updates, summaries, aggregate_metric, elapsed_milliseconds) -> None:
        """Keep the evaluation's average."""
        self.test_summaries.append(Record(metric=aggregate_metric / (samples or 1), samples=samples))


def _sort_callbacks(callbacks: Any) -> tuple:
    writers: List[Any] = []
    configs = {CheckpointConfig: None, CrossValidationConfig: None, TestConfig: None}
    for cb in callbacks or ():
        if isinstance(cb, ProgressWriter):
            writers.append(cb)
            continue
        kind = next((k for k in configs if isinstance(cb, k)), None)
        if kind is None:
            raise ValueError('callbacks may hold progress writers, CheckpointConfig, CrossValidationConfig and '
                             'TestConfig only; got %r' % (cb,))
        if configs[kind] is not None:
            raise ValueError('only one callback of type %s is permitted' % kind.__name__)
        configs[kind] = cb
    return writers, configs[CheckpointConfig], configs[CrossValidationConfig], configs[TestConfig]


def _input_map(criterion: Any, streams: Any, model_inputs_to_streams: Any) -> Any:
    if streams:
        if model_inputs_to_streams:
            raise ValueError('streams and model_inputs_to_streams are mutually exclusive.')
        return criterion.argument_map(*streams)
    return model_inputs_to_streams


def train(criterion: Any, minibatch_source: Any, minibatch_size: Any = 32, streams: Any = None,
          model_inputs_to_streams: Any = None, parameter_learners: Any = (), callbacks: Any = (),
          progress_frequency: Any = None, max_epochs: Optional[float] = None, epoch_size: Optional[int] = None,
          max_samples: Optional[int] = None) -> Record:
    """Train ``criterion`` (see `Function.train`)."""
    if minibatch_size is None:
        raise ValueError('minibatch_size must not be None.')
    sizes = as_minibatch_size_schedule(minibatch_size)
    if max_samples is None:
        if epoch_size is None:
            if is_minibatch_source(minibatch_source):
                raise ValueError('epoch_size must be specified, unless max_samples is given or input is given as '
                                 'numpy/scipy arrays.')
            first = minibatch_source[0] if isinstance(minibatch_source, tuple) else minibatch_source
            epoch_size = len(first) if hasattr(first, '__len__') and not hasattr(first, 'shape') else first.shape[0]
        max_samples = int((1 if max_epochs is None else max_epochs) * epoch_size)
    elif max_epochs is not None:
        raise ValueError('max_epochs and max_samples are mutually exclusive.')
    writers, checkpoint_config, cv_config, test_config = _sort_callbacks(callbacks)
    if progress_frequency is None and epoch_size is not None:
        progress_frequency = epoch_size
    period = progress_frequency // sizes[0] if isinstance(progress_frequency, int) else None
    collector = ProgressCollector(getattr(writers[0], 'freq', period) if writers else period)
    learners = list(parameter_learners) if isinstance(parameter_learners, (list, tuple)) else [parameter_learners]
    trainer = Trainer(None, criterion, learners, progress_writers=writers + [collector])
    session = training_session(trainer, minibatch_source, sizes, _input_map(criterion, streams, model_inputs_to_streams),
                               progress_frequency=progress_frequency, max_samples=max_samples,
                               checkpoint_config=checkpoint_config, cv_config=cv_config, test_config=test_config)
    session.train()
    if collector.training_summaries:
        result = Record(updates=collector.training_updates, epoch_summaries=collector.training_summaries)
    else:
        empty = Record(loss=0, metric=0, samples=0)
        result = Record(updates=[empty], epoch_summaries=[empty])
    if test_config is not None:
        result = result.updated_with(test_summary=collector.test_summaries[-1])
    return result


def test(criterion: Any, minibatch_source: Any, minibatch_size: Any = 32, streams: Any = None,
         model_inputs_to_streams: Any = None, callbacks: Any = None) -> Record:
    """Evaluate ``criterion`` over finite data (see `Function.test`)."""
    if minibatch_size is None:
        raise ValueError('minibatch_size must not be None.')
    sizes = as_minibatch_size_schedule(minibatch_size)
    mapping = _input_map(criterion, streams, model_inputs_to_streams)
    source, mapping = wrap_data(minibatch_source, mapping, criterion, infinitely_repeat=False)
    writers = list(callbacks or [])
    if any(not isinstance(w, ProgressWriter) for w in writers):
        raise ValueError('callbacks of Function.test may hold progress writers only')
    collector = ProgressCollector()
    outputs = criterion.outputs
    evaluator = Evaluator(outputs[0] if len(outputs) == 1 else outputs[1], writers + [collector])
    if source.is_infinite():
        raise ValueError('minibatch_source must have a limited number of samples or sweeps.')
    while True:
        batch = read_minibatch(source, mapping, sizes[evaluator._tally.samples])
        if not batch:
            break
        evaluator.test_minibatch(batch)
    evaluator.summarize_test_progress()
    return collector.test_summaries[-1]
