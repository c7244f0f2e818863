"""cntk.timeseries: normaliser, metrics (exact values), windows, early stopping, plot fallback."""
import doctest
import json

import numpy as np
import pytest

import cntk.timeseries as ts
from cntk._timeseries import data, early_stopping, metrics, normalizer


@pytest.mark.parametrize("method", ["zscore", "minmax", "maxabs", "none"])
def test_normalizer_round_trip_and_json(tmp_path, method):
    x = np.array([3.0, -1.0, 7.5, 2.0])
    n = ts.Normalizer(method).fit(x)
    np.testing.assert_allclose(n.inverse_transform(n.transform(x)), x, rtol=1e-6)
    path = str(tmp_path / "n.json")
    n.save(path, {"window": 4})
    assert json.load(open(path))["window"] == 4
    back = ts.Normalizer.load(path)
    np.testing.assert_array_equal(back.transform(x), n.transform(x))


def test_normalizer_values_and_errors():
    n = ts.Normalizer("zscore").fit([1.0, 3.0])
    assert (n.offset, n.scale) == (2.0, 1.0)
    assert ts.Normalizer("minmax").fit([5.0, 5.0]).scale == 1.0    # constant series: no division by 0
    with pytest.raises(ValueError, match="method"):
        ts.Normalizer("log")
    with pytest.raises(ValueError, match="no values"):
        ts.Normalizer().fit([])


def test_metrics_exact():
    a, p = [2.0, 4.0, 8.0], [3.0, 2.0, 8.0]
    assert ts.mae(a, p) == 1.0
    assert ts.rmse(a, p) == pytest.approx(np.sqrt(5.0 / 3.0), abs=0)
    assert ts.mape(a, p) == pytest.approx(100 * (0.5 + 0.5 + 0.0) / 3)
    assert ts.smape(a, p) == pytest.approx(100 * (2 / 5 + 4 / 6 + 0) / 3)
    assert ts.mase(a, p, history=[1.0, 3.0, 2.0, 4.0], season=1) == pytest.approx(1.0 / (5.0 / 3.0))
    assert ts.mase([4.0], [5.0], history=[1.0, 2.0, 3.0, 5.0], season=2) == pytest.approx(1.0 / 2.5)
    with pytest.raises(ValueError, match="one length"):
        ts.mae([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="constant"):
        ts.mase([1.0], [1.0], history=[2.0, 2.0])


def test_windows_and_split_reuse_the_io_converters():
    x, y = ts.windows(np.arange(10.0), window=4, horizon=2)
    assert len(x) == 5 and x[0].shape == (4, 1) and y.ravel().tolist() == [5, 6, 7, 8, 9]
    assert ts.split_by_time(10, 0.2, 0.1) == {"train": slice(0, 7), "val": slice(7, 9), "test": slice(9, 10)}


def test_read_column_errors_name_file_and_column(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("t,v\n1,2\n2,x\n")
    with pytest.raises(ValueError, match=r"s\.csv: no column 'w'; the columns are 't', 'v'"):
        ts.read_column(str(path), "w")
    with pytest.raises(ValueError, match="column 'v' has empty or non-numeric"):
        ts.read_column(str(path), "v")
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        ts.read_column(str(tmp_path / "nope.csv"), "v")


def test_early_stopping_stops_after_patience():
    stop = ts.EarlyStopping(patience=2, min_delta=0.01)
    assert [stop(i, e, 1, 1) for i, e in enumerate([1.0, 0.995, 0.5, 0.499, 0.6])] == [True, True, True, True, False]
    assert stop.best_index == 2


def test_plot_forecast_without_matplotlib_writes_nothing(tmp_path):
    png = tmp_path / "f.png"
    wrote = ts.plot_forecast([1, 2], [1, 3], str(png))
    assert wrote == png.exists()


@pytest.mark.parametrize("module", [normalizer, metrics, data, early_stopping])
def test_docstring_examples(module):
    assert doctest.testmod(module).failed == 0
