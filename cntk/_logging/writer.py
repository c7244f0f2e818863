"""`ProgressWriter`: the base of every progress writer.

A writer receives what a `Trainer`, `Evaluator` or training session reports and decides when
to hand it on to its ``on_write_*`` hooks. It keeps one window per kind of report (training,
test, distributed sync). Each window counts samples and updates since the last summary, and
stores the running sums (of loss and metric) the reporter passes with every update; a hook is
called after update numbers ``1..first`` and then every ``freq`` updates (``freq == 0``: after
updates 1, 3, 7, 15, ...). Hooks get ``(begin, end)`` pairs since the previous hook call;
summaries get totals since the previous summary, and then the window starts over.
"""
from __future__ import annotations

import sys
import time
from typing import Optional, Tuple

Span = Tuple[float, float]


class _Window:
    """Samples, updates and running sums of one kind of report since the last summary."""

    def __init__(self, frequency: Optional[int], first: int) -> None:
        self.frequency = sys.maxsize if frequency is None else int(frequency)
        self.first = int(first)
        self.summaries = 0
        self.total_updates = 0
        self._reset()

    def _reset(self) -> None:
        self.samples = [0, 0]
        self.updates = [0, 0]
        self.loss = [0.0, 0.0]
        self.metric = [0.0, 0.0]
        self.started = time.time()

    def add(self, num_samples: int, loss_total: float, metric_total: float) -> bool:
        """Record one update (``*_total``: running sums since the last summary); True if it is due to be written."""
        self.samples[1] += int(num_samples)
        self.updates[1] += 1
        self.total_updates += 1
        self.loss[1] = float(loss_total)
        self.metric[1] = float(metric_total)
        u = self.updates[1]
        if self.frequency == 0:
            return (u + 1) & u == 0
        return u % self.frequency == 0 or u <= self.first

    def spans(self) -> tuple:
        """(samples, updates, loss, metric) as (since-last-write, now) pairs."""
        return tuple(self.samples), tuple(self.updates), tuple(self.loss), tuple(self.metric)

    def mark_written(self) -> None:
        """The next spans start here."""
        for pair in (self.samples, self.updates, self.loss, self.metric):
            pair[0] = pair[1]

    def close_summary(self) -> tuple:
        """Totals since the last summary and the elapsed milliseconds; starts a new window."""
        self.summaries += 1
        totals = (self.samples[1], self.updates[1], self.summaries, self.loss[1], self.metric[1],
                  (time.time() - self.started) * 1000.0)
        self._reset()
        return totals


class ProgressWriter:
    """Base class of progress writers (`ProgressPrinter`, `TensorBoardProgressWriter`, your own).

    Args:
        training_update_frequency: write every this many training updates (0: geometrically, None: never).
        training_first_updates_to_write: also write each of the first this many updates.
        test_update_frequency, test_first_updates_to_write: the same for test (evaluation) updates.
        distributed_sync_update_frequency, distributed_sync_first_updates_to_write: the same for
            the synchronisations of distributed training.

    Subclasses override the ``on_write_*`` hooks and `write`.
    """

    def __init__(self, training_update_frequency: Optional[int] = None, training_first_updates_to_write: int = 0,
                 test_update_frequency: Optional[int] = None, test_first_updates_to_write: int = 0,
                 distributed_sync_update_frequency: Optional[int] = None,
                 distributed_sync_first_updates_to_write: int = 0) -> None:
        self._training = _Window(training_update_frequency, training_first_updates_to_write)
        self._test = _Window(test_update_frequency, test_first_updates_to_write)
        self._sync = _Window(distributed_sync_update_frequency, distributed_sync_first_updates_to_write)

    def __disown__(self) -> "ProgressWriter":
        """Accepted for compatibility (CNTK's SWIG writers handed their ownership to C++ this way)."""
        return self

    # --- reporting (called by trainers, evaluators and sessions) ------------------------------
    def update_training(self, num_samples: int, accumulated_loss: float, accumulated_metric: float) -> None:
        """Report a training minibatch: its sample count and the running loss and metric sums."""
        if num_samples == 0:
            return
        if self._training.add(num_samples, accumulated_loss, accumulated_metric):
            samples, updates, loss, metric = self._training.spans()
            self.on_write_training_update(samples, updates, loss, metric)
            self._training.mark_written()
        self.on_training_update_end()

    def update_test(self, num_samples: int, accumulated_metric: float) -> None:
        """Report a test minibatch: its sample count and the running metric sum."""
        if num_samples == 0:
            return
        if self._test.add(num_samples, 0.0, accumulated_metric):
            samples, updates, _, metric = self._test.spans()
            self.on_write_test_update(samples, updates, metric)
            self._test.mark_written()

    def update_distributed_sync(self, num_samples: int) -> None:
        """Report one synchronisation of distributed workers covering ``num_samples`` samples."""
        if self._sync.add(num_samples, 0.0, 0.0):
            samples, updates, _, metric = self._sync.spans()
            self.on_write_distributed_sync_update(samples, updates, metric)
            self._sync.mark_written()

    def write_training_summary(self, accumulated_loss: float, accumulated_metric: float) -> None:
        """Close a training epoch (the sums are the reporter's totals since the last summary)."""
        self._training.loss[1] = float(accumulated_loss)
        self._training.metric[1] = float(accumulated_metric)
        self.on_write_training_summary(*self._training.close_summary())

    def write_test_summary(self, accumulated_metric: float) -> None:
        """Close an evaluation (the sum is the reporter's metric total since the last summary)."""
        self._test.metric[1] = float(accumulated_metric)
        samples, updates, summaries, _, metric, elapsed = self._test.close_summary()
        self.on_write_test_summary(samples, updates, summaries, metric, elapsed)

    def total_training_updates(self) -> int:
        """Training updates reported so far (never reset)."""
        return self._training.total_updates

    def total_test_updates(self) -> int:
        """Test updates reported so far (never reset)."""
        return self._test.total_updates

    # --- hooks ---------------------------------------------------------------------------------
    def write(self, key: str, value: float) -> None:
        """A named value to record (e.g. 'Learning rate per minibatch'); ignored by default."""

    def on_write_training_update(self, samples: Span, updates: Span, aggregate_loss: Span,
                                 aggregate_metric: Span) -> None:
        """Called when a training update is due to be written; pairs are (previous write, now)."""

    def on_training_update_end(self) -> None:
        """Called after every training update."""

    def on_write_test_update(self, samples: Span, updates: Span, aggregate_metric: Span) -> None:
        """Called when a test update is due to be written."""

    def on_write_distributed_sync_update(self, samples: Span, updates: Span, aggregate_metric: Span) -> None:
        """Called when a distributed synchronisation is due to be written."""

    def on_write_training_summary(self, samples: int, updates: int, summaries: int, aggregate_loss: float,
                                  aggregate_metric: float, elapsed_milliseconds: float) -> None:
        """Called at the end of a training epoch with the epoch's totals."""

    def on_write_test_summary(self, samples: int, updates: int, summaries: int, aggregate_metric: float,
                              elapsed_milliseconds: float) -> None:
        """Called at the end of an evaluation with its totals."""
