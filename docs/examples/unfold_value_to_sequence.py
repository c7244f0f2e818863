"""Value -> sequence with UnfoldFrom: generate a sequence from one vector per example.

UnfoldFrom(generator)(initial_state, dynamic_axes_like) feeds each output back into the generator.
The length comes from `dynamic_axes_like` (times `length_increase`), or ends early at `until_predicate`.
"""
import numpy as np

import cntk as C
from cntk.layers import Dense, Fold, GRU, Sequential, UnfoldFrom

C.cntk_py.set_fixed_random_seed(1)

start = C.input_variable(1)                      # one value per example: no sequence axis
like = C.sequence.input_variable(1)              # only its lengths matter
halve = Dense(1, init=0.5, bias=False)           # a generator with a known weight: y = 0.5 * previous

starts = np.array([[8.], [100.]], np.float32)
lengths = [np.zeros((3, 1), np.float32), np.zeros((2, 1), np.float32)]

# --- 1. as many steps as the sequences in `like` ---
unfold = UnfoldFrom(halve)(start, like)
print("3 and 2 steps:  ", [s.ravel().tolist() for s in unfold.eval({start: starts, like: lengths})])

# --- 2. twice as many steps ---
longer = UnfoldFrom(halve, length_increase=2)(start, like)
print("6 and 4 steps:  ", [s.ravel().tolist() for s in longer.eval({start: starts, like: lengths})])

# --- 3. stop after the first output below 10 (at most 8 steps) ---
until = UnfoldFrom(halve, until_predicate=lambda y: C.less(y, 10))(start, like)
eight = [np.zeros((8, 1), np.float32)] * 2
print("until below 10: ", [s.ravel().tolist() for s in until.eval({start: starts, like: eight})])

# --- 4. an encoder-decoder shape: fold one sequence into a vector, unfold a new sequence from it ---
source = C.sequence.input_variable(3, sequence_axis=C.Axis('source'))
encoded = Sequential([Fold(GRU(4)), Dense(2)])(source)             # [2] per example
decoder = UnfoldFrom(Dense(2, activation=C.tanh), length_increase=2)
decoded = decoder(encoded, source)                                  # 2 steps per source step
src = [np.ones((2, 3), np.float32), np.ones((5, 3), np.float32)]
print("decoded lengths:", [len(s) for s in decoded.eval({source: src})], "- step shape:", decoded.shape)
