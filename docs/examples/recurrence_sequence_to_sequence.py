"""Sequence -> sequence with Recurrence: one output per input step.

Part 1 runs a running sum forwards and backwards over ragged sequences.
Part 2 trains Recurrence(LSTM) + Dense to output, at every step, the running mean so far.
"""
import numpy as np

import cntk as C
from cntk.layers import Dense, LSTM, Recurrence, Sequential
from cntk.learners import adam

C.cntk_py.set_fixed_random_seed(1)
rng = np.random.default_rng(0)

# --- 1. a recurrence with a hand-written step: h_t = h_{t-1} + x_t at every step ---
x = C.sequence.input_variable(1)
ragged = [np.array([[1.], [2.], [3.], [4.]], np.float32), np.array([[5.], [6.]], np.float32)]
forward = Recurrence(lambda h, x_t: h + x_t)(x)
backward = Recurrence(lambda h, x_t: h + x_t, go_backwards=True)(x)
print("running sums:   ", [s.ravel().tolist() for s in forward.eval({x: ragged})])
print("from the end:   ", [s.ravel().tolist() for s in backward.eval({x: ragged})])

# --- 2. a learned recurrence: the mean of the values seen so far, at every step ---
def make_data(n):
    seqs = [rng.uniform(-1, 1, size=(rng.integers(3, 11), 1)).astype(np.float32) for _ in range(n)]
    means = [np.cumsum(s, axis=0) / np.arange(1, len(s) + 1).reshape(-1, 1) for s in seqs]
    return seqs, [m.astype(np.float32) for m in means]

train_x, train_y = make_data(400)
test_x, test_y = make_data(50)

model = Sequential([Recurrence(LSTM(8)), Dense(1)])(x)
target = C.sequence.input_variable(1)          # a target per step: same sequence axis as the model
loss = C.squared_error(model, target)

def test_mse():
    predicted = model.eval({x: test_x})        # a list: one array per sequence, as long as its input
    return float(np.mean(np.concatenate([(p - t) ** 2 for p, t in zip(predicted, test_y)])))

# a rate per sample (a plain float would be a rate per minibatch, as in CNTK)
learner = adam(model.parameters, lr=C.learning_parameter_schedule_per_sample(0.01), momentum=0.9)
before = test_mse()
loss.train((train_x, train_y), minibatch_size=100, max_epochs=20,
           parameter_learners=[learner])
after = test_mse()
print("output lengths follow the inputs:", [len(p) for p in model.eval({x: ragged})])
print("test mean squared error: before %.4f, after %.4f" % (before, after))
