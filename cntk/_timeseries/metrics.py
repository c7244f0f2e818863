"""Forecasting error measures on plain arrays (in the series' own units)."""
from __future__ import annotations

from typing import Any, Tuple

import numpy as np


def _pair(actual: Any, predicted: Any) -> Tuple[np.ndarray, np.ndarray]:
    a = np.asarray(actual, dtype=np.float64).reshape(-1)
    p = np.asarray(predicted, dtype=np.float64).reshape(-1)
    if a.shape != p.shape or a.size == 0:
        raise ValueError("actual and predicted must be non-empty and of one length, got %d and %d" % (a.size, p.size))
    return a, p


def mae(actual: Any, predicted: Any) -> float:
    """Mean absolute error.

    >>> mae([1, 2, 3], [2, 2, 5])
    1.0
    """
    a, p = _pair(actual, predicted)
    return float(np.mean(np.abs(a - p)))


def rmse(actual: Any, predicted: Any) -> float:
    """Root mean squared error.

    >>> rmse([0, 0], [3, -3])
    3.0
    """
    a, p = _pair(actual, predicted)
    return float(np.sqrt(np.mean((a - p) ** 2)))


def mape(actual: Any, predicted: Any) -> float:
    """Mean absolute percentage error, in percent; steps where the actual value is 0 are skipped.

    >>> mape([100, 200, 0], [110, 180, 5])
    10.0
    """
    a, p = _pair(actual, predicted)
    keep = a != 0
    if not keep.any():
        raise ValueError("mape: every actual value is 0")
    return float(100 * np.mean(np.abs((a[keep] - p[keep]) / a[keep])))


def smape(actual: Any, predicted: Any) -> float:
    """Symmetric mean absolute percentage error, in percent (0..200); a step where both are 0 counts 0.

    >>> smape([100, 0], [300, 0])
    50.0
    """
    a, p = _pair(actual, predicted)
    denominator = np.abs(a) + np.abs(p)
    terms = np.divide(2 * np.abs(a - p), denominator, out=np.zeros_like(a), where=denominator != 0)
    return float(100 * np.mean(terms))


def mase(actual: Any, predicted: Any, history: Any, season: int = 1) -> float:
    """Mean absolute scaled error: the forecast's MAE over the in-sample MAE of the naive forecast
    that repeats the value ``season`` steps earlier, measured on ``history`` (the training series).
    Below 1 means better than that naive forecast.

    >>> mase([5, 7], [6, 6], history=[1, 2, 3, 4])
    1.0
    """
    a, p = _pair(actual, predicted)
    h = np.asarray(history, dtype=np.float64).reshape(-1)
    if season < 1 or h.size <= season:
        raise ValueError("mase: history needs more than season=%d values, got %d" % (season, h.size))
    naive = np.mean(np.abs(h[season:] - h[:-season]))
    if naive == 0:
        raise ValueError("mase: the history is constant at lag %d, so the naive error is 0" % season)
    return float(np.mean(np.abs(a - p)) / naive)
