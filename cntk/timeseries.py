"""Time-series helpers beyond CNTK: windowing, an invertible normaliser, split by time, forecasting
metrics, a forecast plot, early stopping, and the one-column LSTM forecaster behind ``python -m cntk train``.

``sliding_windows``, ``daily_sequences``, ``split_by_time`` and ``timeseries_to_ctf`` are the converters of
`cntk.io`, repeated here so that one import has them all.
"""
from ._io.timeseries import daily_sequences, sliding_windows, split_by_time, timeseries_to_ctf
from ._timeseries import (EarlyStopping, Normalizer, build_model, mae, mape, mase, plot_forecast, predict_forecaster,
                          read_column, rmse, smape, train_forecaster, windows)

__all__ = ["EarlyStopping", "Normalizer", "build_model", "daily_sequences", "mae", "mape", "mase", "plot_forecast",
           "predict_forecaster", "read_column", "rmse", "sliding_windows", "smape", "split_by_time",
           "timeseries_to_ctf", "train_forecaster", "windows"]
