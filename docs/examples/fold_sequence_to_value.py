"""Sequence -> value with Fold: one output per sequence, whatever its length.

Part 1 folds a sum over ragged sequences with a Python step function.
Part 2 trains Fold(GRU) + Dense to tell the mean of a noisy sequence (a few seconds on a CPU).
"""
import numpy as np

import cntk as C
from cntk.layers import Dense, Fold, GRU, Sequential
from cntk.learners import adam

C.cntk_py.set_fixed_random_seed(1)
rng = np.random.default_rng(0)

# --- 1. a fold with a hand-written step: h_t = h_{t-1} + x_t, keep the last h ---
x = C.sequence.input_variable(1)
total = Fold(lambda h, x_t: h + x_t)(x)
ragged = [np.array([[1.], [2.], [3.]], np.float32),      # length 3
          np.array([[10.], [20.]], np.float32)]          # length 2: no padding needed
print("sums of two ragged sequences:", total.eval({x: ragged}).ravel().tolist())
print("output shape:", total.shape, "- dynamic axes:", [a.name for a in total.dynamic_axes])

# --- 2. a learned fold: predict the mean level of a sequence of 4 to 12 noisy readings ---
def make_data(n):
    levels = rng.uniform(-1, 1, size=n).astype(np.float32)
    seqs = [(lv + 0.1 * rng.standard_normal((rng.integers(4, 13), 1))).astype(np.float32) for lv in levels]
    return seqs, levels.reshape(-1, 1)

train_x, train_y = make_data(400)
test_x, test_y = make_data(50)

model = Sequential([Fold(GRU(8)), Dense(1)])(x)
target = C.input_variable(1)
loss = C.squared_error(model, target)

def test_mse():
    return float(np.mean((model.eval({x: test_x}) - test_y) ** 2))

# a rate per sample (a plain float would be a rate per minibatch, as in CNTK)
learner = adam(model.parameters, lr=C.learning_parameter_schedule_per_sample(0.01), momentum=0.9)
before = test_mse()
loss.train((train_x, train_y), minibatch_size=200, max_epochs=8,
           parameter_learners=[learner])
after = test_mse()
print("test mean squared error: before %.4f, after %.4f" % (before, after))
