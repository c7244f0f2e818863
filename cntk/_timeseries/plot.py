"""A forecast-vs-actual plot; matplotlib is optional (``pip install "cntk-torch[plot]"``)."""
from __future__ import annotations

from typing import Any


def plot_forecast(actual: Any, predicted: Any, filename: str, title: str = "forecast") -> bool:
    """Draw actual and predicted values against the step to a PNG file.

    Returns True when the file was written, False (and writes nothing) when matplotlib is absent.
    """
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.plot(list(actual), label="actual")
    ax.plot(list(predicted), label="predicted")
    ax.set_xlabel("step")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(filename)
    plt.close(fig)
    return True
