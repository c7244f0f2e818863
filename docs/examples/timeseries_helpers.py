"""The helpers of cntk.timeseries on a synthetic series: windows, a normaliser fitted on the past only,
a split by time, a small LSTM forecaster, and forecasting errors against a naive forecast."""
import numpy as np

import cntk as C
from cntk import timeseries as ts

C.cntk_py.set_fixed_random_seed(1)
steps = np.arange(300)
series = 10 + 3 * np.sin(2 * np.pi * steps / 24) + 0.01 * steps     # a daily cycle and a slow trend

# windows of 24 past values, each with the value one step later as its target
x, y = ts.windows(series, window=24, horizon=1)
parts = ts.split_by_time(len(x), val_fraction=0.1, test_fraction=0.1)
print("windows:", len(x), "of shape", x[0].shape, "- train/val/test:",
      [parts[k].stop - parts[k].start for k in ("train", "val", "test")])

# normalise with statistics of the training part only
normalizer = ts.Normalizer("zscore").fit(series[:parts["train"].stop])
print("normaliser: offset %.3f, scale %.3f" % (normalizer.offset, normalizer.scale))

# train Sequential([Recurrence(LSTM(8)), Fold(LSTM(8)), Dense(1)]) on the training windows
model, normalizer, history = ts.train_forecaster(series, window=24, hidden=8, epochs=6, normalizer=normalizer,
                                                 learning_rate=C.learning_parameter_schedule_per_sample(0.01))

# forecast the test windows; MASE compares with the naive forecast "the previous value" (below 1: better)
test_x, test_y = x[parts["test"]], y[parts["test"]].ravel()
predicted = normalizer.inverse_transform(model.eval({model.arguments[0]: [normalizer.transform(w) for w in test_x]}))
history_part = series[:parts["train"].stop]
print("test MAE %.3f, RMSE %.3f, sMAPE %.2f%%, MASE %.3f"
      % (ts.mae(test_y, predicted), ts.rmse(test_y, predicted), ts.smape(test_y, predicted),
         ts.mase(test_y, predicted, history=history_part)))
# EarlyStopping is a CrossValidationConfig callback: it returns False to stop training
stop = ts.EarlyStopping(patience=2)
print("keep training after validation errors 0.5, 0.4, 0.45, 0.41?",
      [stop(i, error, 100, 1) for i, error in enumerate([0.5, 0.4, 0.45, 0.41])])
