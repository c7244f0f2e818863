"""The common forecasting case: one column, a window of past values, one value ``horizon`` steps ahead.

The model is the seed tutorial's ``Recurrence(LSTM) -> Fold(LSTM) -> Dense(1)``, built and trained with the
cntk API (`Function.train`); what the command line's ``train`` and ``predict`` run.
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence

import numpy as np

from .._io.timeseries import split_by_time
from .data import windows
from .normalizer import Normalizer


def build_model(hidden: int) -> Any:
    """``Sequential([Recurrence(LSTM(hidden)), Fold(LSTM(hidden)), Dense(1)])`` applied to a sequence of scalars
    named ``features``."""
    from .. import default_options, sequence
    from ..layers import Dense, Fold, LSTM, Recurrence, Sequential
    features = sequence.input_variable(1, name="features")
    with default_options(initial_state=0.1):
        return Sequential([Recurrence(LSTM(hidden)), Fold(LSTM(hidden)), Dense(1)])(features)


def _criterion(model: Any) -> Any:
    """Squared error of ``model`` against a ``target`` input, as loss and metric."""
    from .. import Function, input_variable
    from ..losses import squared_error
    target = input_variable(1, dynamic_axes=model.dynamic_axes, name="target")

    @Function
    def criterion(z, t):  # no annotations: Function reads them as input types
        error = squared_error(z, t)
        return error, error
    return criterion(model, target)


def train_forecaster(series: Any, window: int, horizon: int = 1, hidden: int = 16, epochs: int = 10,
                     normalizer: Optional[Normalizer] = None, val_fraction: float = 0.1, test_fraction: float = 0.1,
                     batch_windows: int = 16, learning_rate: float = 0.005,
                     callbacks: Sequence[Any] = ()) -> Any:
    """Fit the normaliser on the training part of ``series`` (oldest first), train a model on its windows
    and return ``(model, normalizer, history)``; ``callbacks`` are progress writers or configs for
    `Function.train`."""
    from ..learners import adam
    x, y = windows(series, window, horizon)
    parts = split_by_time(len(x), val_fraction, test_fraction)
    if not x[parts["train"]]:
        raise ValueError("the series has %d values: too few for window=%d, horizon=%d" % (len(series), window, horizon))
    train_end = parts["train"].stop - 1 + window + horizon   # the last value a training window or target touches
    normalizer = (normalizer or Normalizer()).fit(np.asarray(series)[:train_end])
    model = build_model(hidden)
    criterion = _criterion(model)
    train_x = [normalizer.transform(w) for w in x[parts["train"]]]
    train_y = normalizer.transform(y[parts["train"]])
    history = criterion.train((train_x, train_y), minibatch_size=batch_windows * window, max_epochs=epochs,
                              parameter_learners=[adam(model.parameters, lr=learning_rate, momentum=0.9)],
                              callbacks=list(callbacks))
    return model, normalizer, history


def predict_forecaster(model: Any, normalizer: Normalizer, series: Any, window: int, horizon: int = 1) -> np.ndarray:
    """The model's forecast, in the series' units, for every step ``t >= window + horizon - 1`` of ``series``:
    element ``i`` predicts ``series[i + window + horizon - 1]`` from the ``window`` values before ``horizon``."""
    x, _ = windows(series, window, horizon)
    if not x:
        raise ValueError("the series has %d values: too few for window=%d, horizon=%d" % (len(series), window, horizon))
    out: List[np.ndarray] = []
    for start in range(0, len(x), 256):
        batch = [normalizer.transform(w) for w in x[start:start + 256]]
        out.append(np.asarray(model(batch), dtype=np.float64).reshape(-1))
    return normalizer.inverse_transform(np.concatenate(out))
