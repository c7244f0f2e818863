"""Progress writers besides the text printer: TensorBoard event files, an epoch callback and an
interactive progress bar."""
from __future__ import annotations

import sys
from typing import Any, Callable, Optional

import numpy as np

from .event_file import EventFileWriter
from .printer import _avg
from .writer import ProgressWriter


class TensorBoardProgressWriter(ProgressWriter):
    """Write loss and metric as TensorBoard scalars (event files readable by TensorBoard).

    Args:
        freq: write minibatch averages every ``freq`` minibatches (None: summaries only).
        log_dir: the directory of the event files.
        rank: in distributed training only rank 0 (or None) writes.
        model: accepted for compatibility; the graph is not drawn.
    """

    def __init__(self, freq: Optional[int] = None, log_dir: str = '.', rank: Optional[int] = None,
                 model: Any = None) -> None:
        super().__init__(sys.maxsize if freq is None else freq, 0, sys.maxsize, 0, sys.maxsize, 0)
        self.closed = False
        self.writer = EventFileWriter(log_dir) if not rank else None

    def _check_open(self) -> None:
        if self.closed:
            raise RuntimeError('Attempting to use a closed TensorBoardProgressWriter')

    def write_value(self, name: str, value: float, step: int) -> None:
        """Record the scalar ``name`` = ``value`` at ``step``."""
        self._check_open()
        if self.writer is not None:
            self.writer.add_scalar(str(name), float(value), int(step))

    def write_image(self, name: str, data: Any, step: int) -> None:
        """Record images: ``{input: batch}`` with batches of ``(C, H, W)`` images, or one batch."""
        self._check_open()
        if self.writer is not None:
            batches = data.values() if isinstance(data, dict) else [data]
            for batch in batches:
                for image in np.asarray(batch):
                    self.writer.add_image(str(name), image, int(step))

    def flush(self) -> None:
        """Write pending records to disk now."""
        self._check_open()
        if self.writer is not None:
            self.writer.flush()

    def close(self) -> None:
        """Flush and close the event file; later use raises RuntimeError."""
        self._check_open()
        if self.writer is not None:
            self.writer.close()
        self.closed = True

    def on_write_training_update(self, samples, updates, aggregate_loss, aggregate_metric) -> None:
        """Record the minibatch averages at the running update count."""
        step = self.total_training_updates()
        self.write_value('minibatch/avg_loss', _avg(aggregate_loss, samples), step)
        self.write_value('minibatch/avg_metric', _avg(aggregate_metric, samples), step)

    def on_write_test_update(self, samples, updates, aggregate_metric) -> None:
        """Per-minibatch test values are not recorded (as in CNTK)."""
        raise NotImplementedError('TensorBoardProgressWriter does not record per-minibatch evaluation results')

    def on_write_training_summary(self, samples, updates, summaries, aggregate_loss, aggregate_metric,
                                  elapsed_milliseconds) -> None:
        """Record the epoch averages at the epoch number."""
        self.write_value('summary/avg_loss', _avg(aggregate_loss, samples), summaries)
        self.write_value('summary/avg_metric', _avg(aggregate_metric, samples), summaries)

    def on_write_test_summary(self, samples, updates, summaries, aggregate_metric, elapsed_milliseconds) -> None:
        """Record the evaluation average (at the training step when training has started)."""
        average = _avg(aggregate_metric, samples)
        if self.total_training_updates():
            self.write_value('minibatch/test_avg_metric', average, self.total_training_updates())
        else:
            self.write_value('summary/test_avg_metric', average, summaries)


class TrainingSummaryProgressCallback(ProgressWriter):
    """Call ``callback(epoch_index, loss_sum, metric_sum, samples)`` at the end of every training epoch.

    ``epoch_index`` counts from 0; the loss and metric are sums over the epoch, not averages.
    """

    def __init__(self, epoch_size: int, callback: Callable[[int, float, float, int], Any]) -> None:
        super().__init__(sys.maxsize, 0, epoch_size, 0, sys.maxsize, 0)
        self._epoch_size = epoch_size
        self._callback = callback

    def on_write_training_summary(self, samples, updates, summaries, aggregate_loss, aggregate_metric,
                                  elapsed_milliseconds) -> None:
        """Hand the epoch's totals to the callback."""
        self._callback(summaries - 1, aggregate_loss, aggregate_metric, samples)


class ProgressBarWriter(ProgressWriter):
    """An interactive progress bar (tqdm) showing the running loss and metric; not in CNTK.

    Args:
        total: the number of training samples planned (e.g. ``max_epochs * epoch_size``), or None.
        freq: refresh the shown averages every ``freq`` minibatches.
        metric_is_pct: show the metric as a percentage.

    Needs ``tqdm`` (``pip install cntk-torch[progress]``).
    """

    def __init__(self, total: Optional[int] = None, freq: int = 1, metric_is_pct: bool = True) -> None:
        super().__init__(freq, 0, sys.maxsize, 0, sys.maxsize, 0)
        try:
            from tqdm.auto import tqdm
        except ImportError as err:
            raise ImportError('ProgressBarWriter needs tqdm: pip install "cntk-torch[progress]" (%s)' % err) from err
        self._bar = tqdm(total=total, unit='samples', dynamic_ncols=True)
        self._scale = 100.0 if metric_is_pct else 1.0

    def on_write_training_update(self, samples, updates, aggregate_loss, aggregate_metric) -> None:
        """Advance the bar and show the averages since the last refresh."""
        self._bar.update(samples[1] - samples[0])
        self._bar.set_postfix(loss='%.4g' % _avg(aggregate_loss, samples),
                              metric='%.4g' % (_avg(aggregate_metric, samples) * self._scale), refresh=False)

    def on_write_training_summary(self, samples, updates, summaries, aggregate_loss, aggregate_metric,
                                  elapsed_milliseconds) -> None:
        """Write the epoch's averages above the bar."""
        self._bar.write('epoch %d: loss %.6g, metric %.6g over %d samples'
                        % (summaries, _avg(aggregate_loss, samples), _avg(aggregate_metric, samples) * self._scale,
                           samples))

    def on_write_test_summary(self, samples, updates, summaries, aggregate_metric, elapsed_milliseconds) -> None:
        """Write the evaluation's average above the bar."""
        self._bar.write('evaluation %d: metric %.6g over %d samples'
                        % (summaries, _avg(aggregate_metric, samples) * self._scale, samples))

    def close(self) -> None:
        """Close the bar."""
        self._bar.close()
