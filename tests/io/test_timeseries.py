"""Time-series -> CTF converters (beyond CNTK), read back with our CTF reader."""
import numpy as np
import pytest

from cntk.io import (CTFDeserializer, MinibatchSource, StreamDef, StreamDefs, daily_sequences, sliding_windows,
                     split_by_time, timeseries_to_ctf)

from io_helpers import data_path


def _read(path, fdim=1):
    src = MinibatchSource(CTFDeserializer(path, StreamDefs(features=StreamDef(field="features", shape=fdim),
                                                           target=StreamDef(field="target", shape=1))),
                          randomize=False, max_sweeps=1)
    mb = src.next_minibatch(10 ** 9)
    return mb[src.streams.features].as_sequences(), mb[src.streams.target].asarray()[:, 0, 0]


def test_sliding_windows():
    w, t = sliding_windows(np.arange(10.0), window=3, horizon=2, stride=2)
    assert len(w) == 3 and w[1].ravel().tolist() == [2, 3, 4] and t.ravel().tolist() == [4, 6, 8]


def test_split_by_time_is_contiguous():
    p = split_by_time(20, 0.1, 0.2)
    assert (p["train"], p["val"], p["test"]) == (slice(0, 14), slice(14, 16), slice(16, 20))


def test_numpy_windows_round_trip(tmp_path):
    series = np.sin(np.arange(200) * 0.1).astype(np.float32)
    out = timeseries_to_ctf(series, str(tmp_path / "sine"), window=5, val_fraction=0.1, test_fraction=0.1)
    assert sum(out["counts"].values()) == 195 and out["counts"]["test"] == 20
    f, t = _read(out["train"])
    assert len(f) == out["counts"]["train"] and all(x.shape == (5, 1) for x in f)
    np.testing.assert_allclose(f[3].ravel(), series[3:8], rtol=1e-6)
    np.testing.assert_allclose(t[3], series[8], rtol=1e-6)
    f, t = _read(out["test"])                  # the newest windows
    np.testing.assert_allclose(t[-1], series[-1], rtol=1e-6)


def test_solar_daily_sequences(tmp_path):
    csv = data_path("solar_small.csv")
    feats, targets, days = daily_sequences(csv, value_columns=["solar.total"], target="max", min_length=8)
    assert len(feats) == len(days) <= 40 and all(len(x) >= 8 for x in feats)
    np.testing.assert_allclose(targets[0, 0], feats[0].max(), rtol=1e-6)
    out = timeseries_to_ctf(csv, str(tmp_path / "solar"), group_by="D", value_columns=["solar.total"], target="max",
                            min_length=8, max_length=14, prefixes=True, normalize="max")
    f, t = _read(out["train"])
    assert all(2 <= len(x) <= 14 for x in f) and out["scale"] > 1
    # the target is the whole day's total, the features only the first 14 readings
    assert np.all(t * out["scale"] >= np.array([x.max() for x in f]) * out["scale"] - 1e-3)


def test_pandas_optional_message(monkeypatch):
    import builtins
    real = builtins.__import__

    def fake(name, *a, **k):
        if name == "pandas":
            raise ImportError("no pandas")
        return real(name, *a, **k)
    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(ImportError, match="pip install pandas"):
        daily_sequences(data_path("solar_small.csv"))
