"""`ProgressPrinter`: CNTK's text log of training and evaluation, character for character.

Two layouts: with ``freq > 0`` one line per reported range of minibatches
(`` Minibatch[   4-   6]: loss = ... * n, metric = ...% * n;``) plus "Finished Epoch" lines;
with ``freq == 0`` a table whose rows come after minibatches 1, 3, 7, 15, ... of each epoch.
Lines go to stdout or, with ``log_to_file``, are appended to a file.
"""
from __future__ import annotations

import sys
import time
import warnings
from typing import Any, Optional, Tuple, Union

from .writer import ProgressWriter

Number = Union[int, float]

_TABLE_HEADER = (' average      since    average      since      examples',
                 '    loss       last     metric       last              ',
                 ' ------------------------------------------------------')


def _avg(total: Union[Number, Tuple[Number, Number]], count: Union[Number, Tuple[Number, Number]]) -> float:
    """A ratio of totals or of (begin, end) differences; 0 for an empty count."""
    if isinstance(total, tuple):
        total = total[1] - total[0]
    if isinstance(count, tuple):
        count = count[1] - count[0]
    return total / count if count > 0 else 0.0


def _deprecated(message: str) -> None:
    warnings.warn('DEPRECATED: ' + message, DeprecationWarning, stacklevel=3)


class ProgressPrinter(ProgressWriter):
    """Print loss and metric as training and evaluation go on, exactly as CNTK did.

    Args:
        freq: print every ``freq`` minibatches; 0 prints a table after minibatches 1, 3, 7, 15, ...;
            None prints only epoch and test summaries.
        first: also print each of the first ``first`` minibatches.
        tag: prefix of the "Finished Epoch" lines (printed as ``[tag] ``).
        log_to_file: append the log to this file instead of printing it.
        rank: the worker's rank in distributed training (appended to the file name).
        gen_heartbeat: print ``PROGRESS: 0.00%`` at most every 10 seconds.
        num_epochs: the planned number of epochs, shown as ``Epoch[k of E]``.
        test_freq, test_first: as ``freq`` / ``first`` for evaluation minibatches.
        metric_is_pct: show the metric as a percentage.
        distributed_freq, distributed_first: as ``freq`` / ``first`` for distributed synchronisations.

    Given to a `Trainer`, it reports every ``freq`` minibatches (the same lines as CNTK 2.7):

    >>> import numpy as np, cntk as C
    >>> x, y = C.input_variable(1), C.input_variable(1)
    >>> z = C.layers.Dense(1, init=0)(x)
    >>> loss = C.squared_error(z, y)
    >>> trainer = C.Trainer(z, (loss, loss), [C.sgd(z.parameters, lr=0.1)], [ProgressPrinter(freq=2)])
    >>> for _ in range(2):
    ...     _ = trainer.train_minibatch({x: np.ones((4, 1), np.float32), y: np.ones((4, 1), np.float32)})
    Learning rate per minibatch: 0.1
     Minibatch[   1-   2]: loss = 0.680000 * 8, metric = 68.00% * 8;
    """

    def __init__(self, freq: Optional[int] = None, first: int = 0, tag: str = '', log_to_file: Optional[str] = None,
                 rank: Optional[int] = None, gen_heartbeat: bool = False, num_epochs: Optional[int] = None,
                 test_freq: Optional[int] = None, test_first: int = 0, metric_is_pct: bool = True,
                 distributed_freq: Optional[int] = None, distributed_first: int = 0) -> None:
        freq = sys.maxsize if freq is None else freq
        test_freq = sys.maxsize if test_freq is None else test_freq
        distributed_freq = sys.maxsize if distributed_freq is None else distributed_freq
        super().__init__(freq, first, test_freq, test_first, distributed_freq, distributed_first)
        self.freq = freq
        self.first = first
        self.test_freq = test_freq
        self.tag = '[{}] '.format(tag) if tag else ''
        self.num_epochs = num_epochs
        self.metric_is_pct = metric_is_pct
        self.metric_multiplier = 100.0 if metric_is_pct else 1.0
        self.gen_heartbeat = gen_heartbeat
        self.log_to_file = log_to_file
        self.logfilename: Optional[str] = None
        self.epochs = 0
        self.epoch_start_time = time.time()
        self.progress_timer_time = 0.0
        self._reset_manual_totals()
        if log_to_file is not None:
            self.logfilename = log_to_file + ('rank' + str(rank) if rank is not None else '')
            print('Redirecting log to file ' + self.logfilename)
            with open(self.logfilename, 'w') as f:
                f.write(self.logfilename + '\n')
            planned = num_epochs if num_epochs is not None else 300
            self._print('CNTKCommandTrainInfo: train : %s' % planned)
            self._print('CNTKCommandTrainInfo: CNTKNoMoreCommands_Total : %s' % planned)
            self._print('CNTKCommandTrainBegin: train')
        if freq == 0:
            for line in _TABLE_HEADER:
                self._print(line)

    # --- output ---------------------------------------------------------------------------------
    def _print(self, line: str) -> None:
        if self.logfilename is None:
            print(line)
        else:
            with open(self.logfilename, 'a') as f:
                f.write(line + '\n')

    def log(self, message: str) -> None:
        """Print a message of your own into the log."""
        self._print(message)

    def end_progress_print(self, msg: str = '') -> None:
        """Mark the end of training in the log (and print ``msg`` when logging to a file)."""
        self._print('CNTKCommandTrainEnd: train')
        if msg and self.log_to_file is not None:
            self._print(msg)

    def write(self, key: str, value: Any) -> None:
        """Print ``key: value`` (the learners report their learning rate this way)."""
        self._print('{}: {}'.format(key, value))

    def _heartbeat(self) -> None:
        if self.gen_heartbeat and time.time() - self.progress_timer_time > 10:
            print('PROGRESS: 0.00%')
            self.progress_timer_time = time.time()

    # --- hooks ----------------------------------------------------------------------------------
    def on_write_training_update(self, samples, updates, aggregate_loss, aggregate_metric) -> None:
        """Print a training line (a table row when ``freq == 0``)."""
        self._print(self._progress_line(samples, updates, aggregate_loss, aggregate_metric, self.freq, ''))

    def on_training_update_end(self) -> None:
        """Emit the heartbeat when it is due."""
        self._heartbeat()

    def on_write_test_update(self, samples, updates, aggregate_metric) -> None:
        """Print an evaluation line."""
        self._print(self._progress_line(samples, updates, None, aggregate_metric, self.test_freq, 'Evaluation '))

    def on_write_distributed_sync_update(self, samples, updates, aggregate_metric) -> None:
        """Print how many synchronisations and samples passed since the last such line."""
        self._print('Distributed training: #Syncs elapsed = {}, #Samples elapsed = {}'.format(
            updates[1] - updates[0], samples[1] - samples[0]))

    def on_write_training_summary(self, samples, updates, summaries, aggregate_loss, aggregate_metric,
                                  elapsed_milliseconds) -> None:
        """Print the "Finished Epoch" line (not in table mode, ``freq == 0``)."""
        if self.freq == 0:
            return
        seconds = elapsed_milliseconds / 1000
        head = 'Finished Epoch[{}{}]: {}loss = {:0.6f} * {}'.format(
            summaries, ' of ' + str(self.num_epochs) if self.num_epochs is not None else '', self.tag,
            _avg(aggregate_loss, samples), samples)
        metric = '' if aggregate_metric is None else ', metric = ' + self._metric_text(
            _avg(aggregate_metric, samples), samples)
        self._print('{}{} {:0.3f}s ({:5.1f} samples/s);'.format(head, metric, seconds, _avg(samples, seconds)))

    def on_write_test_summary(self, samples, updates, summaries, aggregate_metric, elapsed_milliseconds) -> None:
        """Print the "Finished Evaluation" line."""
        self._print('Finished Evaluation [{}]: Minibatch[1-{}]: metric = {};'.format(
            summaries, updates, self._metric_text(_avg(aggregate_metric, samples), samples)))

    def _metric_text(self, average: float, count: int) -> str:
        if self.metric_is_pct:
            return '{:0.2f}% * {}'.format(average * self.metric_multiplier, count)
        return '{:0.6f} * {}'.format(average * self.metric_multiplier, count)

    def _progress_line(self, samples, updates, aggregate_loss, aggregate_metric, frequency: int, name: str) -> str:
        if frequency == 0:
            return ' ' + self._table_cells(aggregate_loss, samples) + self._table_cells(aggregate_metric, samples) + \
                ' {:10d}'.format(samples[1])
        parts = []
        if aggregate_loss is not None:
            parts.append('loss = {:0.6f} * {:d}'.format(_avg(aggregate_loss, samples), samples[1] - samples[0]))
        if aggregate_metric is not None:
            parts.append('metric = ' + self._metric_text(_avg(aggregate_metric, samples), samples[1] - samples[0]))
        return ' {}Minibatch[{:4d}-{:4d}]: {};'.format(name, updates[0] + 1, updates[1], ', '.join(parts))

    @staticmethod
    def _table_cells(aggregate, samples) -> str:
        if aggregate is None:
            return '{:8s}   {:8s}   '.format('', '')
        return '{:8.3g}   {:8.3g}   '.format(_avg(aggregate[1], samples[1]), _avg(aggregate, samples))

    # --- manual use (CNTK 1-style loops that feed the printer themselves) ------------------------
    def _reset_manual_totals(self) -> None:
        self.loss_since_start = self.metric_since_start = 0.0
        self.samples_since_start = self.updates_since_start = 0
        self.loss_since_last = self.metric_since_last = 0.0
        self.samples_since_last = 0
        self.total_updates = 0

    def update(self, loss: float, minibatch_size: int, metric: Optional[float] = None) -> None:
        """Add a minibatch's average loss (and metric) over ``minibatch_size`` samples; prints when due.

        Deprecated in CNTK in favour of passing the printer to the `Trainer`.
        """
        if self.total_updates == 0:
            _deprecated('The method was deprecated.')
        if minibatch_size == 0:
            return
        self.samples_since_start += minibatch_size
        self.samples_since_last += minibatch_size
        self.loss_since_start += loss * minibatch_size
        self.loss_since_last += loss * minibatch_size
        self.updates_since_start += 1
        self.total_updates += 1
        if metric is not None:
            self.metric_since_start += metric * minibatch_size
            self.metric_since_last += metric * minibatch_size
        self._heartbeat()
        u = self.updates_since_start
        due = (u + 1) & u == 0 if self.freq == 0 else (u % self.freq == 0 or u <= self.first)
        if not due:
            return
        updates = None
        if self.freq > 0:
            updates = (u if u <= self.first else max(u - self.freq, self.first), u)
        samples = (self.samples_since_start - self.samples_since_last, self.samples_since_start)
        loss_span = (self.loss_since_start - self.loss_since_last, self.loss_since_start)
        metric_span = None if metric is None else (self.metric_since_start - self.metric_since_last,
                                                   self.metric_since_start)
        self.on_write_training_update(samples, updates, loss_span, metric_span)
        self._take_since_last()

    def update_with_trainer(self, trainer: Any, with_metric: bool = False) -> None:
        """Add the trainer's last minibatch (loss, sample count and, if asked, metric)."""
        if self.total_updates == 0:
            _deprecated('Inefficient. Please pass an instance of ProgressPrinter to Trainer upon construction.')
        if trainer is not None and trainer.previous_minibatch_sample_count != 0:
            self.update(trainer.previous_minibatch_loss_average, trainer.previous_minibatch_sample_count,
                        trainer.previous_minibatch_evaluation_average if with_metric else None)

    def epoch_summary(self, with_metric: bool = False) -> Optional[tuple]:
        """Print the summary of what `update` received since the last summary.

        Returns (average loss, average metric, samples) and starts over; None in table mode.
        """
        _deprecated('The method was deprecated.')
        self.epochs += 1
        now = time.time()
        elapsed_ms = (now - self.epoch_start_time) * 1000
        self.epoch_start_time = now
        self.on_write_training_summary(self.samples_since_start, self.updates_since_start, self.epochs,
                                       self.loss_since_start, self.metric_since_start if with_metric else None,
                                       elapsed_ms)
        if self.freq > 0:
            return self._take_since_start()
        return None

    def _take_since_start(self) -> tuple:
        result = (_avg(self.loss_since_start, self.samples_since_start),
                  _avg(self.metric_since_start, self.samples_since_start), self.samples_since_start)
        self.loss_since_start = self.metric_since_start = 0.0
        self.samples_since_start = self.updates_since_start = 0
        return result

    def _take_since_last(self) -> tuple:
        result = (_avg(self.loss_since_last, self.samples_since_last),
                  _avg(self.metric_since_last, self.samples_since_last), self.samples_since_last)
        self.loss_since_last = self.metric_since_last = 0.0
        self.samples_since_last = 0
        return result

    def reset_start(self) -> tuple:
        """Deprecated: return (avg loss, avg metric, samples) since the start and reset them."""
        _deprecated('The method was deprecated.')
        return self._take_since_start()

    def reset_last(self) -> tuple:
        """Deprecated: return (avg loss, avg metric, samples) since the last print and reset them."""
        _deprecated('The method was deprecated.')
        return self._take_since_last()

    def avg_loss_since_start(self) -> float:
        """Deprecated: the average loss since the start."""
        _deprecated('The method was deprecated.')
        return _avg(self.loss_since_start, self.samples_since_start)

    def avg_metric_since_start(self) -> float:
        """Deprecated: the average metric since the start."""
        _deprecated('The method was deprecated.')
        return _avg(self.metric_since_start, self.samples_since_start)

    def avg_loss_since_last(self) -> float:
        """Deprecated: the average loss since the last print."""
        _deprecated('The method was deprecated.')
        return _avg(self.loss_since_last, self.samples_since_last)

    def avg_metric_since_last(self) -> float:
        """Deprecated: the average metric since the last print."""
        _deprecated('The method was deprecated.')
        return _avg(self.metric_since_last, self.samples_since_last)
