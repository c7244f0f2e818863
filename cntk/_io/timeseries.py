"""Time series -> CTF files of (features sequence, target) windows, split by time.

Beyond CNTK: these helpers prepare the files a recurrent forecasting model reads with
``CTFDeserializer`` (streams ``features`` per step and ``target`` once per sequence), e.g. CNTK
tutorial 106B's solar workflow: one sequence per day of half-hourly readings, target = the
day's total. pandas is optional; it is imported only when a DataFrame/CSV with timestamps is used.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from .ctf_writer import write_ctf

Target = Union[str, Callable[[np.ndarray], Any]]


def _pandas():
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("this function needs pandas for DataFrames/CSV files with timestamps;"
                          " install it with 'pip install pandas' or pass NumPy arrays") from None
    return pd


def sliding_windows(series: Any, window: int, horizon: int = 1, stride: int = 1,
                    target_column: Optional[int] = None) -> Tuple[List[np.ndarray], np.ndarray]:
    """Cut a series into fixed-length windows and the value ``horizon`` steps after each.

    Args:
        series: ``(T,)`` or ``(T, features)`` array.
        window: steps per window.
        horizon: how far after the window's last step the target lies (1 = next step).
        stride: steps between window starts.
        target_column: which feature is the target (default: all of them).

    Returns:
        (list of ``(window, features)`` arrays, ``(num_windows, target_dim)`` targets).

    >>> x, y = sliding_windows(np.arange(6), window=3, horizon=2)
    >>> [w.ravel().tolist() for w in x], y.ravel().tolist()
    ([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]], [4.0, 5.0])
    """
    x = np.asarray(series, dtype=np.float32)
    if x.ndim == 1:
        x = x[:, None]
    if window < 1 or horizon < 1 or stride < 1:
        raise ValueError("sliding_windows: window, horizon and stride must be >= 1")
    n = (len(x) - window - horizon) // stride + 1
    if n <= 0:
        return [], np.zeros((0, 1 if target_column is not None else x.shape[1]), np.float32)
    starts = np.arange(n) * stride
    windows = [x[s:s + window] for s in starts]
    tgt = x[starts + window + horizon - 1]
    if target_column is not None:
        tgt = tgt[:, [target_column]]
    return windows, tgt


def _reduce(values: np.ndarray, how: Target) -> np.ndarray:
    if callable(how):
        return np.atleast_1d(np.asarray(how(values), dtype=np.float32))
    ops = {"sum": np.sum, "max": np.max, "last": lambda v, axis: v[-1], "mean": np.mean, "min": np.min}
    if how not in ops:
        raise ValueError("target must be one of %s or a callable, got %r" % (sorted(ops), how))
    return np.atleast_1d(ops[how](values, axis=0)).astype(np.float32)


def daily_sequences(data: Any, value_columns: Optional[Sequence[str]] = None, time_column: Optional[str] = None,
                    target: Target = "sum", target_column: Optional[str] = None, freq: str = "D",
                    min_length: int = 1, max_length: Optional[int] = None,
                    prefixes: bool = False, min_prefix: int = 2) -> Tuple[List[np.ndarray], np.ndarray, List[Any]]:
    """Group readings by calendar period (default: day) into one sequence per period.

    Args:
        data: a pandas DataFrame (with a DatetimeIndex or a ``time_column``) or a CSV path.
        value_columns: the feature columns (default: all numeric columns).
        time_column: the timestamp column (CSV default: the first column).
        target: how a period's target is computed from ``target_column`` ('sum', 'max', 'last',
            'mean', 'min' or a callable on the period's values).
        target_column: the column the target is computed from (default: the first value column).
        freq: pandas period frequency ('D' days, 'W' weeks, 'h' hours ...).
        min_length: periods with fewer readings are dropped (106B drops days with < 8).
        max_length: keep at most this many readings per period (the first ones).
        prefixes: emit the growing prefixes ``readings[:j]`` (j = min_prefix .. len) of each period,
            each with the period's target (106B's training-set construction), instead of one sequence.

    Returns:
        (list of ``(steps, features)`` arrays, ``(num_sequences, 1)`` targets, period labels).
    """
    pd = _pandas()
    df = pd.read_csv(data) if isinstance(data, (str, os.PathLike)) else data.copy()
    if time_column is None and not isinstance(df.index, pd.DatetimeIndex):
        time_column = df.columns[0]
    if time_column is not None:
        df[time_column] = _local_times(pd, df[time_column])
        df = df.set_index(time_column)
    df = df.sort_index()
    cols = list(value_columns) if value_columns else [c for c in df.columns if np.issubdtype(df[c].dtype, np.number)]
    tcol = target_column or cols[0]
    feats: List[np.ndarray] = []
    targets: List[np.ndarray] = []
    labels: List[Any] = []
    for period, g in df.groupby(df.index.to_period(freq)):
        if len(g) < min_length:
            continue
        x = g[cols].to_numpy(np.float32)
        t = _reduce(g[tcol].to_numpy(np.float32), target)
        if max_length is not None:
            x = x[:max_length]
        if prefixes:
            for j in range(min_prefix, len(x) + 1):
                feats.append(x[:j])
                targets.append(t)
                labels.append(period)
        else:
            feats.append(x)
            targets.append(t)
            labels.append(period)
    return feats, (np.stack(targets) if targets else np.zeros((0, 1), np.float32)), labels


def _local_times(pd: Any, column: Any) -> Any:
    """Timestamps as naive local wall-clock times (files often mix naive stamps with ones carrying
    a UTC offset, e.g. after a daylight-saving change; a reading belongs to its local day)."""
    try:
        return pd.to_datetime(column)
    except (ValueError, TypeError):
        wall_clock = column.astype(str).str.replace(r"(?:[+-]\d\d:?\d\d|Z)$", "", regex=True)
        return pd.to_datetime(wall_clock, format="mixed")


def split_by_time(n: int, val_fraction: float = 0.1, test_fraction: float = 0.1) -> Dict[str, slice]:
    """Contiguous train / validation / test ranges of ``n`` time-ordered items (oldest first).

    Returns ``{'train': slice, 'val': slice, 'test': slice}``; nothing of the future leaks into training.

    >>> split_by_time(20, val_fraction=0.1, test_fraction=0.2)
    {'train': slice(0, 14, None), 'val': slice(14, 16, None), 'test': slice(16, 20, None)}
    """
    if not (0 <= val_fraction < 1 and 0 <= test_fraction < 1 and val_fraction + test_fraction < 1):
        raise ValueError("split_by_time: fractions must be in [0, 1) and sum to less than 1")
    n_test = int(round(n * test_fraction))
    n_val = int(round(n * val_fraction))
    n_train = n - n_val - n_test
    return {"train": slice(0, n_train), "val": slice(n_train, n_train + n_val), "test": slice(n_train + n_val, n)}


def timeseries_to_ctf(data: Any, output_prefix: str, window: Optional[int] = None, horizon: int = 1,
                      stride: int = 1, group_by: Optional[str] = None, target: Target = "sum",
                      value_columns: Optional[Sequence[str]] = None, target_column: Any = None,
                      time_column: Optional[str] = None, min_length: int = 1, max_length: Optional[int] = None,
                      prefixes: bool = False, normalize: Union[None, str, float] = None,
                      val_fraction: float = 0.1, test_fraction: float = 0.1,
                      feature_field: str = "features", target_field: str = "target") -> Dict[str, Any]:
    """Write train/validation/test CTF files of (features sequence, target) pairs.

    Two ways to cut the series:

    * ``window=N``: sliding windows of N steps, target = the value ``horizon`` steps later
      (NumPy arrays, DataFrames or CSV files);
    * ``group_by='D'`` (or another pandas frequency): one sequence per period, target computed
      by ``target`` over the period (``prefixes=True`` adds every growing prefix, as tutorial 106B does).

    Args:
        data: ``(T,)``/``(T, F)`` array, DataFrame, or CSV path.
        output_prefix: files are ``{prefix}.train.ctf``, ``{prefix}.val.ctf``, ``{prefix}.test.ctf``.
        normalize: None, ``'max'`` (divide features and targets by the training part's max
            absolute feature value), or a number to divide by.
        val_fraction, test_fraction: the newest items go to validation, then test (split by time).
        feature_field, target_field: the CTF stream names.

    Returns:
        dict with the three paths (``'train'``, ``'val'``, ``'test'``), the sequence counts
        (``'counts'``), the normalisation divisor (``'scale'``) and the stream names.

    >>> import os, shutil, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> info = timeseries_to_ctf(np.arange(10.0), os.path.join(folder, 'ramp'), window=4, normalize=10)
    >>> info['counts']
    {'train': 4, 'val': 1, 'test': 1}
    >>> print(open(info['test']).read().strip())
    0 |features 0.5 |target 0.9
    0 |features 0.6
    0 |features 0.7
    0 |features 0.8
    >>> shutil.rmtree(folder)
    """
    if (window is None) == (group_by is None):
        raise ValueError("timeseries_to_ctf: give exactly one of window=... or group_by=...")
    if window is not None:
        if isinstance(data, (str, os.PathLike)) or hasattr(data, "to_numpy"):
            pd = _pandas()
            df = pd.read_csv(data) if isinstance(data, (str, os.PathLike)) else data
            cols = list(value_columns) if value_columns else [c for c in df.columns if np.issubdtype(df[c].dtype, np.number)]
            arr = df[cols].to_numpy(np.float32)
            tcol = cols.index(target_column) if isinstance(target_column, str) else target_column
        else:
            arr, tcol = np.asarray(data, np.float32), target_column
        feats, targets = sliding_windows(arr, window, horizon, stride, tcol)
    else:
        feats, targets, _ = daily_sequences(data, value_columns, time_column, target, target_column, group_by,
                                            min_length, max_length, prefixes)
    parts = split_by_time(len(feats), val_fraction, test_fraction)
    scale = 1.0
    if normalize == "max":
        train = feats[parts["train"]]
        scale = float(max((np.abs(f).max() for f in train if f.size), default=1.0)) or 1.0
    elif normalize is not None:
        scale = float(normalize)
    out: Dict[str, Any] = {"scale": scale, "counts": {}, "feature_field": feature_field, "target_field": target_field}
    for name, sl in parts.items():
        path = "%s.%s.ctf" % (output_prefix, name)
        f = [x / scale for x in feats[sl]]
        t = [y[None] / scale for y in targets[sl]]
        out["counts"][name] = write_ctf(path, {feature_field: f, target_field: t}) if f else _empty(path)
        out[name] = path
    return out


def _empty(path: str) -> int:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    open(path, "w").close()
    return 0
