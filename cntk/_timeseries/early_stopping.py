"""Stop training when the validation error stops improving."""
from __future__ import annotations

import math
from typing import Optional


class EarlyStopping:
    """A `CrossValidationConfig` callback that stops training after ``patience`` validations
    without an improvement of at least ``min_delta``.

    Use it as ``CrossValidationConfig(val_source, frequency=epoch_size, callback=EarlyStopping(3))``.

    >>> stop = EarlyStopping(patience=2)
    >>> [stop(i, err, 10, 1) for i, err in enumerate([0.5, 0.4, 0.45, 0.41])]
    [True, True, True, False]
    >>> stop.best, stop.best_index
    (0.4, 1)
    """

    def __init__(self, patience: int = 3, min_delta: float = 0.0, verbose: bool = False) -> None:
        if patience < 1:
            raise ValueError("EarlyStopping: patience must be >= 1, got %r" % patience)
        self.patience = patience
        self.min_delta = min_delta
        self.verbose = verbose
        self.best = math.inf
        self.best_index: Optional[int] = None
        self._waited = 0

    def __call__(self, index: int, average_error: float, num_samples: int, num_minibatches: int) -> bool:
        """Record one validation result; returns False when training should stop."""
        if average_error < self.best - self.min_delta:
            self.best, self.best_index, self._waited = average_error, index, 0
            return True
        self._waited += 1
        if self._waited >= self.patience:
            if self.verbose:
                print("early stopping: no improvement on %.6g for %d validations" % (self.best, self._waited))
            return False
        return True
