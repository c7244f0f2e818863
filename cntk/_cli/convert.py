"""``python -m cntk convert-csv``: a CSV file to train/validation/test CTF files of windows."""
from __future__ import annotations

import argparse
from typing import Any

from .._io.timeseries import split_by_time, timeseries_to_ctf
from .._timeseries.data import load_csv, numeric_columns
from .._timeseries.normalizer import METHODS, Normalizer


def add_split_arguments(p: argparse.ArgumentParser) -> None:
    """``--val`` and ``--test``: the newest fractions held out (shared with ``train``)."""
    p.add_argument("--val", type=float, default=0.1, help="fraction of the newest data for validation (default 0.1)")
    p.add_argument("--test", type=float, default=0.1, help="fraction of the newest data for test (default 0.1)")


def add_parsers(sub: Any) -> None:
    """Register ``convert-csv``."""
    p = sub.add_parser("convert-csv", help="cut a CSV time series into CTF files of (features, target) sequences",
                       description="Writes PREFIX.train.ctf, PREFIX.val.ctf, PREFIX.test.ctf (streams 'features' "
                                   "and 'target', split by time) and PREFIX.normalizer.json.")
    p.add_argument("csv", help="the CSV file, oldest row first")
    p.add_argument("-o", "--output", required=True, help="prefix of the files written")
    p.add_argument("-c", "--column", action="append", help="a value column (repeat for several; default: all numeric)")
    p.add_argument("--target-column", help="the column the target comes from (default: the first value column)")
    p.add_argument("--window", type=int, help="steps per sliding window (give this or --group-by)")
    p.add_argument("--horizon", type=int, default=1, help="the target lies this many steps after a window (default 1)")
    p.add_argument("--stride", type=int, default=1, help="steps between window starts (default 1)")
    p.add_argument("--group-by", help="one sequence per calendar period instead: a pandas frequency (D, W, h, ...)")
    p.add_argument("--time-column", help="timestamp column for --group-by (default: the first column)")
    p.add_argument("--target", default="sum", choices=["sum", "max", "mean", "min", "last"],
                   help="how --group-by reduces a period to its target (default sum)")
    p.add_argument("--normalize", default="zscore", choices=METHODS, help="value normalisation, fitted on the training rows (default zscore; use maxabs with --group-by --target sum so that totals stay proportional)")
    add_split_arguments(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Convert ``args.csv``; the normaliser is fitted on the oldest (training) rows only."""
    if (args.window is None) == (args.group_by is None):
        raise ValueError("convert-csv: give exactly one of --window and --group-by")
    frame = load_csv(args.csv)
    values = numeric_columns(frame, args.column, args.csv)
    columns = list(values.columns)
    target_column = args.target_column or columns[0]
    if target_column not in columns:
        raise ValueError("--target-column %r is not among the value columns %s" % (target_column, columns))
    train_rows = split_by_time(len(values), args.val, args.test)["train"]
    normalizer = Normalizer(args.normalize).fit(values.iloc[train_rows].to_numpy())
    values = values.apply(normalizer.transform)
    if args.group_by:
        time_column = args.time_column or frame.columns[0]
        if time_column not in frame.columns:
            raise ValueError("%s: no time column %r" % (args.csv, time_column))
        values.insert(0, time_column, frame[time_column])
    written = timeseries_to_ctf(values, args.output, window=args.window, horizon=args.horizon, stride=args.stride,
                                group_by=args.group_by, target=args.target, value_columns=columns,
                                target_column=target_column,
                                val_fraction=args.val, test_fraction=args.test)
    normalizer.save(args.output + ".normalizer.json", {"columns": columns, "target_column": target_column})
    for part in ("train", "val", "test"):
        print("wrote %s (%d sequences)" % (written[part], written["counts"][part]))
    print("wrote %s.normalizer.json" % args.output)
    return 0
