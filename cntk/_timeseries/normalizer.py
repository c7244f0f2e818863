"""An invertible normaliser for series values, saved as JSON next to a model."""
from __future__ import annotations

import json
from typing import Any, Dict, Optional

import numpy as np

METHODS = ("zscore", "minmax", "maxabs", "none")


class Normalizer:
    """Maps values to a small range with ``(x - offset) / scale`` and back.

    Fit it on the training part of a series only, so that nothing of the future leaks into training.

    Args:
        method: ``'zscore'`` (mean 0, standard deviation 1), ``'minmax'`` (to [0, 1]),
            ``'maxabs'`` (divide by the largest absolute value) or ``'none'``.

    >>> n = Normalizer('minmax').fit([2.0, 4.0, 6.0])
    >>> n.transform([4.0]).tolist()
    [0.5]
    >>> n.inverse_transform([1.0]).tolist()
    [6.0]
    """

    def __init__(self, method: str = "zscore", offset: float = 0.0, scale: float = 1.0) -> None:
        if method not in METHODS:
            raise ValueError("Normalizer: method must be one of %s, got %r" % (", ".join(METHODS), method))
        self.method = method
        self.offset = float(offset)
        self.scale = float(scale)

    def fit(self, values: Any) -> "Normalizer":
        """Choose offset and scale from ``values`` (any array); returns self."""
        x = np.asarray(values, dtype=np.float64)
        if x.size == 0:
            raise ValueError("Normalizer.fit: no values to fit on")
        if self.method == "zscore":
            self.offset, spread = float(x.mean()), float(x.std())
        elif self.method == "minmax":
            self.offset, spread = float(x.min()), float(x.max() - x.min())
        elif self.method == "maxabs":
            self.offset, spread = 0.0, float(np.abs(x).max())
        else:
            self.offset, spread = 0.0, 1.0
        self.scale = spread if spread > 0 else 1.0
        return self

    def transform(self, values: Any) -> np.ndarray:
        """Normalised ``values`` as float32."""
        return ((np.asarray(values, dtype=np.float64) - self.offset) / self.scale).astype(np.float32)

    def inverse_transform(self, values: Any) -> np.ndarray:
        """Values in the original units from normalised ones (float64)."""
        return np.asarray(values, dtype=np.float64) * self.scale + self.offset

    def to_dict(self) -> Dict[str, Any]:
        """The normaliser's settings as a JSON-ready dict."""
        return {"method": self.method, "offset": self.offset, "scale": self.scale}

    def save(self, path: str, extra: Optional[Dict[str, Any]] = None) -> None:
        """Write the settings (and any ``extra`` keys, e.g. the window length) to a JSON file."""
        with open(path, "w") as f:
            json.dump({**(extra or {}), **self.to_dict()}, f, indent=2)

    @staticmethod
    def load(path: str) -> "Normalizer":
        """Read a normaliser written by `save`."""
        with open(path) as f:
            d = json.load(f)
        try:
            return Normalizer(d["method"], d["offset"], d["scale"])
        except KeyError as err:
            raise ValueError("%s: not a normaliser file (missing %s)" % (path, err)) from None
