"""Implementation of `cntk.timeseries`: forecasting helpers beyond CNTK."""
from .data import read_column, windows
from .early_stopping import EarlyStopping
from .forecaster import build_model, predict_forecaster, train_forecaster
from .metrics import mae, mape, mase, rmse, smape
from .normalizer import Normalizer
from .plot import plot_forecast

__all__ = ["EarlyStopping", "Normalizer", "build_model", "mae", "mape", "mase", "plot_forecast",
           "predict_forecaster", "read_column", "rmse", "smape", "train_forecaster", "windows"]
