"""Data sets bundled with the package (beyond CNTK), for the examples and for trying things out.

* `solar_csv`: half-hourly readings of a residential solar installation, Dec 2013 - Dec 2016, the data
  of CNTK tutorial 106B and of the seed tutorial's time-series example (see SOURCE.md beside it).
"""
import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def solar_csv() -> str:
    """The path of the bundled solar data set (gzip-compressed CSV with columns ``time``,
    ``solar.current`` (W) and ``solar.total`` (Wh so far that day)); pandas reads it directly.

    >>> import pandas as pd
    >>> pd.read_csv(solar_csv()).shape
    (25369, 3)
    """
    return os.path.join(_HERE, 'solar.csv.gz')


__all__ = ['solar_csv']
