"""Golden tests: every case of tools/golden/op_cases.py, built with this package, must reproduce the
forward values and gradients recorded from the real CNTK 2.7 (tests/golden/ops/<case>.npz).

Regenerate the goldens with ``/opt/cntk-ref/bin/python tools/golden/make_golden.py`` (see
tools/golden/README.md).
"""
import os
import sys

import numpy as np
import pytest

import cntk as C

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools", "golden"))

import op_cases  # noqa: E402
from make_golden import find_vars  # noqa: E402
from npz_layout import unpack  # noqa: E402

GOLDEN = os.path.join(ROOT, "tests", "golden", "ops")
TOL = {np.dtype(np.float32): dict(rtol=1e-5, atol=1e-6), np.dtype(np.float64): dict(rtol=1e-10, atol=1e-12)}


def assert_close(actual, expected, what):
    if isinstance(expected, list):
        assert isinstance(actual, list), "%s: expected a list of %d sequences, got %s" % (what, len(expected), type(actual))
        assert len(actual) == len(expected), "%s: %d sequences, expected %d" % (what, len(actual), len(expected))
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_close(a, e, "%s[seq %d]" % (what, i))
        return
    actual = np.asarray(actual)
    assert not isinstance(actual, list)
    assert actual.dtype == expected.dtype, "%s: dtype %s, expected %s" % (what, actual.dtype, expected.dtype)
    assert actual.shape == expected.shape, "%s: shape %s, expected %s" % (what, actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, err_msg=what, **TOL[expected.dtype])


@pytest.mark.parametrize("case", list(op_cases.CASES))
def test_golden(case):
    path = os.path.join(GOLDEN, case + ".npz")
    if not os.path.exists(path):
        pytest.skip("no golden file; run tools/golden/make_golden.py")
    npz = np.load(path)
    assert "error" not in npz, "CNTK refused this case: %s" % npz["error"]
    spec = op_cases.CASES[case](C, np)
    f = spec["function"]
    args = dict(zip(find_vars(f, list(spec["inputs"])), spec["inputs"].values()))
    outs = f.outputs
    assert len(outs) == int(npz["nout"])
    if spec.get("call"):
        res = f(*[args[a] for a in f.arguments])
        res = res if isinstance(res, tuple) else (res,)
        for k, v in enumerate(res):
            assert_close(v, unpack(npz, "out_%d" % k), "output %d" % k)
        return
    wrt = spec.get("wrt") or []
    res = f.eval(args)
    values = [res[o] for o in outs] if len(outs) > 1 else [res]
    for k, v in enumerate(values):
        assert_close(v, unpack(npz, "out_%d" % k), "eval output %d" % k)
    if not wrt:
        return
    state, res = f.forward(args, outs, keep_for_backward=set(outs))
    roots = {}
    for k, o in enumerate(outs):
        assert_close(res[o], unpack(npz, "out_%d" % k), "forward output %d" % k)
        roots[o] = unpack(npz, "rg_%d" % k)
    wrt_vars = find_vars(f, wrt)
    grads = f.backward(state, roots, set(wrt_vars))
    for n, v in zip(wrt, wrt_vars):
        assert_close(grads[v], unpack(npz, "grad_" + n), "gradient wrt '%s'" % n)
    if len(outs) == 1 and spec.get("grad_sum", True):
        g = f.grad(args, wrt=wrt_vars)
        g = g if isinstance(g, dict) else {wrt_vars[0]: g}
        for n, v in zip(wrt, wrt_vars):
            assert_close(g[v], unpack(npz, "gsum_" + n), "Function.grad wrt '%s'" % n)


def test_every_case_has_a_golden_file():
    missing = [c for c in op_cases.CASES if not os.path.exists(os.path.join(GOLDEN, c + ".npz"))]
    assert not missing, "regenerate goldens (tools/golden/README.md); missing %s" % missing[:5]


# --- checks that have no CNTK counterpart ----------------------------------------------------------
def test_sparse_times_gradient_matches_dense():
    """CNTK 2.7 cannot backprop through a sparse input in Function.backward; the port must give the
    gradient of the equivalent dense one-hot input."""
    rows = op_cases.ONE_HOT_ROWS
    W0 = np.random.RandomState(3).uniform(-1, 1, (5, 3)).astype(np.float32)
    grads = []
    for sparse in (True, False):
        x = C.sequence.input_variable(5, is_sparse=sparse, name="x")
        W = C.parameter((5, 3), init=W0, name="W")
        f = C.times(x, W)
        data = C.Value.one_hot(rows, 5) if sparse else [np.eye(5, dtype=np.float32)[r] for r in rows]
        grads.append(f.grad({x: data}, wrt=[W]))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6)
    np.testing.assert_allclose(grads[0], np.eye(5)[sum(rows, [])].sum(0)[:, None] * np.ones((1, 3)), rtol=1e-6)


def test_dropout_training_statistics():
    """In training mode (forward with keep_for_backward) dropout zeroes about `rate` of the elements
    and scales the survivors by 1/(1-rate); eval is the identity (golden case dropout_eval)."""
    rate = 0.3
    x = C.input_variable(1000, name="x")
    f = C.dropout(x, rate, seed=5)
    data = np.ones((20, 1000), np.float32)
    _, res = f.forward({x: data}, f.outputs, keep_for_backward=set(f.outputs))
    out = res[f.output]
    zero = np.mean(out == 0)
    assert abs(zero - rate) < 0.02, zero
    np.testing.assert_allclose(out[out != 0], 1 / (1 - rate), rtol=1e-6)
    np.testing.assert_array_equal(f.eval({x: data}), data)
