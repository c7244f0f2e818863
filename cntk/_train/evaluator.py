"""`Evaluator`: average a metric over test minibatches and report it to progress writers."""
from __future__ import annotations

from typing import Any, List, Optional, Tuple

import numpy as np

from .criterion import as_function, check_complete
from .step import accumulate, data_map, run_outputs, scalar


def as_writer_list(progress_writers: Any) -> list:
    """``progress_writers`` as a list (None: empty; one writer: a list of it)."""
    if progress_writers is None:
        return []
    if isinstance(progress_writers, (list, tuple)):
        return list(progress_writers)
    return [progress_writers]


class TestTally:
    """Running metric sum and sample count of an evaluation, reported to writers as test updates."""

    def __init__(self, writers: List[Any]) -> None:
        self.writers = writers
        self.metric_sum: Optional[np.generic] = None
        self.samples = 0

    def evaluate(self, fn: Any, arguments: Any, caller: str) -> Tuple[float, int]:
        """Evaluate ``fn`` (its first output is the metric) on a minibatch; returns the average per
        sample and the number of samples."""
        data = data_map(fn, arguments)
        check_complete(fn, data, caller)
        result = run_outputs(fn, data, [fn.outputs[0]], training=False, with_grad=False)
        total, count = result.sum_and_count(0)
        value = scalar(total)
        self.metric_sum = accumulate(self.metric_sum, value)
        self.samples += count
        for w in self.writers:
            w.update_test(count, float(self.metric_sum))
        return (float(value) / count if count else 0.0), count

    def summarize(self) -> None:
        """Report the evaluation's totals to every writer and start a new evaluation."""
        for w in self.writers:
            w.write_test_summary(float(self.metric_sum or 0.0))
        self.metric_sum = None
        self.samples = 0


class Evaluator:
    """Evaluate a metric Function minibatch by minibatch (test or validation data).

    Args:
        eval_function: the metric (a Function or an output Variable).
        progress_writers: writers that receive the test updates and summaries.
    """

    def __init__(self, eval_function: Any, progress_writers: Any = None) -> None:
        self._function = as_function(eval_function)
        self._tally = TestTally(as_writer_list(progress_writers))

    @property
    def evaluation_function(self) -> Any:
        """The metric being evaluated."""
        return self._function

    def test_minibatch(self, arguments: Any, device: Any = None, distributed: bool = False) -> float:
        """The average metric per sample over this minibatch (a dict {argument: data} or MinibatchData map)."""
        return self._tally.evaluate(self._function, arguments, 'Evaluator.test_minibatch')[0]

    def summarize_test_progress(self) -> None:
        """Print / record the evaluation's summary through the progress writers and start over."""
        self._tally.summarize()
