"""Losses and metrics against values and gradients produced by CNTK 2.7 (tools/golden/make_loss_golden.py)."""
import os
import sys

import numpy as np
import pytest

import cntk as C

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools", "golden"))
GOLDEN = np.load(os.path.join(os.path.dirname(__file__), "golden", "losses", "losses.npz"))
N_SEQ = 3
NAMES = ["squared_error", "cross_entropy_with_softmax", "binary_cross_entropy", "classification_error", "cosine_distance"]


@pytest.mark.parametrize("name", NAMES)
def test_loss_matches_cntk(name):
    from make_loss_golden import cases
    o = C.sequence.input_variable(4, needs_gradient=True, name="o")
    t = C.sequence.input_variable(4, name="t")
    f = cases(o, t)[name]
    outputs = [GOLDEN["o_%d" % k] for k in range(N_SEQ)]
    labels = [GOLDEN["t_%d" % k] for k in range(N_SEQ)]
    values = f.eval({o: outputs, t: labels})
    for k in range(N_SEQ):
        np.testing.assert_allclose(values[k], GOLDEN["%s_value_%d" % (name, k)], rtol=1e-5, atol=1e-6)
    if name.startswith("classification"):
        return
    grads = f.grad({o: outputs, t: labels}, wrt=[o])
    for k in range(N_SEQ):
        np.testing.assert_allclose(grads[k], GOLDEN["%s_grad_%d" % (name, k)], rtol=1e-5, atol=1e-6)
