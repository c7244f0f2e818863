"""Element-wise edge values, normalisation ops, reductions over the batch axis, assign and eye_like
against golden data from the reference CNTK 2.7 (tools/golden/make_nonlinear_golden.py): each case
runs the generator's own code with cntk-torch and compares every array it returns."""
import importlib.util
import os
import warnings

import numpy as np
import pytest

import cntk as C

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location("make_nonlinear_golden",
                                               os.path.join(ROOT, "tools", "golden", "make_nonlinear_golden.py"))
G = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(G)
GOLDEN = dict(np.load(os.path.join(ROOT, "tests", "golden", "nonlinear_golden.npz")))

# Values the reference produces from float32 denormals or overflow differ in the last bits only.
RTOL, ATOL = 1e-5, 1e-6


@pytest.mark.parametrize("case", sorted(G.CASES))
def test_matches_reference(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = G.CASES[case](C)
    expected = {k.split("/", 1)[1]: v for k, v in GOLDEN.items() if k.startswith(case + "/")}
    assert sorted(got) == sorted(expected)
    for key, want in expected.items():
        have = np.asarray(got[key], dtype=np.float64)
        assert have.shape == want.shape, (key, have.shape, want.shape)
        np.testing.assert_allclose(have, want, rtol=RTOL, atol=ATOL, err_msg="%s/%s" % (case, key))


def test_batch_normalization_without_running_count_warns():
    x = C.input_variable(2)
    with pytest.warns(Warning):
        C.batch_normalization(x, C.parameter((2,), init=1), C.parameter((2,), init=0), C.constant(0, shape=(2,)),
                              C.constant(1, shape=(2,)), False)


@pytest.mark.parametrize("size", [8, C.FreeDimension, C.InferredDimension])
def test_spatial_batch_normalization_infers_channel_count(size):
    x = C.input_variable((4, size, size))
    params = [C.parameter((C.InferredDimension,), init=1), C.parameter((C.InferredDimension,), init=0),
              C.constant(0, shape=(C.InferredDimension,)), C.constant(1, shape=(C.InferredDimension,))]
    C.batch_normalization(x, *params, True, running_count=C.constant(0, shape=()))
    assert [p.shape for p in params] == [(4,)] * 4
    assert all(p.dtype == np.float32 for p in params)


def test_reduction_over_batch_axis_of_sequences_is_refused():
    x = C.sequence.input_variable(2)
    f = C.reduce_sum(x, axis=C.Axis.default_batch_axis())
    with pytest.raises(NotImplementedError):
        f.eval({x: [np.ones((3, 2), np.float32)]})


def test_eye_like_needs_a_matrix():
    with pytest.raises(ValueError):
        C.eye_like(C.input_variable((2, 3)))


def test_eye_like_survives_save_and_load(tmp_path):
    x = C.input_variable(3)
    f = C.eye_like(x, sparse_output=False)
    path = str(tmp_path / "eye.model")
    f.save(path)
    g = C.load_model(path)
    data = np.ones((2, 3), np.float32)
    np.testing.assert_array_equal(g.eval({g.arguments[0]: data}), np.eye(2, 3))
