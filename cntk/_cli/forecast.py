"""``python -m cntk train`` and ``predict``: a one-column LSTM forecast from a CSV file."""
from __future__ import annotations

import argparse
import json
import os
from typing import Any, Dict

import numpy as np

from .._io.timeseries import split_by_time
from .._timeseries.data import read_column
from .._timeseries.forecaster import predict_forecaster, train_forecaster
from .._timeseries.metrics import mae, rmse, smape
from .._timeseries.normalizer import METHODS, Normalizer
from .._timeseries.plot import plot_forecast
from .convert import add_split_arguments


def settings_path(model_path: str) -> str:
    """Where the normaliser and window settings of a model are kept: ``MODEL.json``."""
    return model_path + ".json"


def add_parsers(sub: Any) -> None:
    """Register ``train`` and ``predict``."""
    t = sub.add_parser("train", help="train an LSTM forecaster on one column of a CSV file",
                       description="Trains Sequential([Recurrence(LSTM(h)), Fold(LSTM(h)), Dense(1)]) to predict the "
                                   "value HORIZON steps after each WINDOW of the column; saves MODEL and MODEL.json.")
    t.add_argument("csv", help="the CSV file, oldest row first")
    t.add_argument("-c", "--column", required=True, help="the column to forecast")
    t.add_argument("-o", "--model", default="forecast.model", help="model file to write (default forecast.model)")
    t.add_argument("--window", type=int, default=14, help="past values the model sees (default 14)")
    t.add_argument("--horizon", type=int, default=1, help="how many steps ahead to predict (default 1)")
    t.add_argument("--hidden", type=int, default=16, help="LSTM cells per layer (default 16)")
    t.add_argument("--epochs", type=int, default=10, help="passes over the training windows (default 10)")
    t.add_argument("--batch", type=int, default=16, help="windows per minibatch (default 16)")
    t.add_argument("--lr", type=float, default=0.005, help="Adam learning rate (default 0.005)")
    t.add_argument("--normalize", default="zscore", choices=METHODS, help="value normalisation (default zscore)")
    t.add_argument("--progress-bar", action="store_true", help="show a tqdm progress bar instead of the CNTK table")
    t.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    add_split_arguments(t)
    t.set_defaults(run=run_train)
    p = sub.add_parser("predict", help="forecast a CSV column with a model written by train",
                       description="Writes a CSV of actual and predicted values (and a PNG plot with matplotlib).")
    p.add_argument("model", help="a model file written by 'python -m cntk train' (MODEL.json must lie next to it)")
    p.add_argument("csv", help="the CSV file, oldest row first, with the column the model was trained on")
    p.add_argument("-o", "--output", default="predictions.csv", help="CSV to write (default predictions.csv)")
    p.add_argument("--plot", help="PNG to draw (default: the output name with .png)")
    p.set_defaults(run=run_predict)


def _progress_writer(args: argparse.Namespace, train_windows: int) -> Any:
    from .._logging.other_writers import ProgressBarWriter
    from .._logging.printer import ProgressPrinter
    if args.progress_bar:
        return ProgressBarWriter(total=train_windows * args.window * args.epochs, metric_is_pct=False)
    return ProgressPrinter(0)


def run_train(args: argparse.Namespace) -> int:
    """Train, report the test-part errors in the column's units, save the model and its settings."""
    from ..cntk_py import set_fixed_random_seed
    set_fixed_random_seed(args.seed)
    series = read_column(args.csv, args.column)
    n_windows = max(len(series) - args.window - args.horizon + 1, 0)
    parts = split_by_time(n_windows, args.val, args.test)
    writer = _progress_writer(args, parts["train"].stop)
    model, normalizer, history = train_forecaster(series, args.window, args.horizon, args.hidden, args.epochs,
                                                  Normalizer(args.normalize), args.val, args.test, args.batch, args.lr,
                                                  callbacks=[writer])
    if hasattr(writer, "close"):
        writer.close()
    first_test = parts["test"].start
    if first_test < n_windows:
        held_out = series[first_test:]
        predicted = predict_forecaster(model, normalizer, held_out, args.window, args.horizon)
        actual = held_out[args.window + args.horizon - 1:]
        print("test part (%d windows): MAE %.6g, RMSE %.6g, sMAPE %.3g%%"
              % (len(actual), mae(actual, predicted), rmse(actual, predicted), smape(actual, predicted)))
    model.save(args.model)
    normalizer.save(settings_path(args.model), {"column": args.column, "window": args.window,
                                                "horizon": args.horizon, "hidden": args.hidden})
    print("saved %s and %s" % (args.model, settings_path(args.model)))
    return 0


def _settings(model_path: str) -> Dict[str, Any]:
    path = settings_path(model_path)
    if not os.path.exists(path):
        raise FileNotFoundError("%s: missing; it is written by 'python -m cntk train' next to the model" % path)
    with open(path) as f:
        return json.load(f)


def run_predict(args: argparse.Namespace) -> int:
    """Forecast every step that has a full window before it; write actual, predicted and error per row."""
    from .._graph.function import Function
    settings = _settings(args.model)
    normalizer = Normalizer.load(settings_path(args.model))
    window, horizon = int(settings["window"]), int(settings["horizon"])
    series = read_column(args.csv, settings["column"])
    model = Function.load(args.model)
    predicted = predict_forecaster(model, normalizer, series, window, horizon)
    first = window + horizon - 1
    actual = series[first:]
    import pandas as pd
    pd.DataFrame({"row": np.arange(first, len(series)), "actual": actual, "predicted": predicted,
                  "error": predicted - actual}).to_csv(args.output, index=False)
    print("wrote %s (%d predictions of %r): MAE %.6g, RMSE %.6g"
          % (args.output, len(predicted), settings["column"], mae(actual, predicted), rmse(actual, predicted)))
    png = args.plot or os.path.splitext(args.output)[0] + ".png"
    if plot_forecast(actual, predicted, png, title="%s, %d step(s) ahead" % (settings["column"], horizon)):
        print("wrote %s" % png)
    else:
        print('(no plot: matplotlib is not installed; pip install "cntk-torch[plot]")')
    return 0
