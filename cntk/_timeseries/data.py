"""Reading a series from a CSV file and cutting it into model-ready windows."""
from __future__ import annotations

import os
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from .._io.timeseries import sliding_windows


def load_csv(csv_path: str) -> Any:
    """A CSV file as a pandas DataFrame, with an error naming the file when it is missing."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError('reading CSV files needs pandas: pip install "cntk-torch[pandas]"') from None
    if not os.path.exists(csv_path):
        raise FileNotFoundError("%s: no such CSV file" % csv_path)
    return pd.read_csv(csv_path)


def numeric_columns(frame: Any, columns: Optional[Sequence[str]], source: str) -> Any:
    """The named columns of ``frame`` (default: every numeric one) as float64; errors name ``source`` and the column."""
    import pandas as pd
    if not columns:
        columns = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
        if not columns:
            raise ValueError("%s: no numeric column; name one with --column" % source)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError("%s: no column %s; the columns are %s" % (source, ", ".join(map(repr, missing)),
                                                                   ", ".join(map(repr, frame.columns))))
    values = frame[list(columns)].apply(pd.to_numeric, errors="coerce")
    bad = values.isna().any()
    if bad.any():
        raise ValueError("%s: column %r has empty or non-numeric values" % (source, bad[bad].index[0]))
    return values.astype(np.float64)


def read_column(csv_path: str, column: str) -> np.ndarray:
    """One numeric column of a CSV file as a float64 array."""
    return numeric_columns(load_csv(csv_path), [column], csv_path)[column].to_numpy()


def windows(series: Any, window: int, horizon: int = 1, stride: int = 1) -> Tuple[List[np.ndarray], np.ndarray]:
    """Windows of ``window`` steps of a 1-D series and the value ``horizon`` steps after each
    (`cntk.io.sliding_windows` for one column), as float32 ``(window, 1)`` arrays and ``(n, 1)`` targets.

    >>> x, y = windows([1, 2, 3, 4, 5], window=3)
    >>> [w.ravel().tolist() for w in x], y.ravel().tolist()
    ([[1.0, 2.0, 3.0], [2.0, 3.0, 4.0]], [4.0, 5.0])
    """
    return sliding_windows(np.asarray(series, np.float32).reshape(-1), window, horizon, stride)
