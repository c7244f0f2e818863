"""Losses, metrics and random ops against CNTK 2.7 (values and gradients recorded by
tools/golden/make_loss_golden.py; regenerate with ``/opt/cntk-ref/bin/python tools/golden/make_loss_golden.py``).

Every case is rebuilt here with this package from the same inputs and must reproduce CNTK's
values (each evaluation of a random op) and gradients at rtol 1e-5 (float32), or raise where
CNTK raised."""
import os
import sys

import numpy as np
import pytest

import cntk as C

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools", "golden"))
from make_loss_golden import CASES, outputs_of  # noqa: E402

GOLDEN = np.load(os.path.join(HERE, "golden", "losses", "losses.npz"))
RTOL, ATOL = 1e-5, 1e-6


def stored(prefix: str):
    """An array, or the list of per-sequence arrays stored under ``prefix``."""
    if prefix + "/n" in GOLDEN.files:
        return [GOLDEN["%s/%d" % (prefix, i)] for i in range(int(GOLDEN[prefix + "/n"]))]
    return GOLDEN[prefix]


def assert_close(actual, expected, what: str) -> None:
    if isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), what
        for a, e in zip(actual, expected):
            assert_close(a, e, what)
        return
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, "%s: shape %s, CNTK %s" % (what, actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL, err_msg=what)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_matches_cntk(case):
    for name, (shape, kind, data) in case.inputs.items():
        assert_close(data, stored("%s/in/%s" % (case.name, name)), "input %s regenerated" % name)
    if case.name + "/error" in GOLDEN.files:
        with pytest.raises((ValueError, RuntimeError, NotImplementedError)):
            v = case.variables(C)
            case.build(C, v).eval(case.feed(v))
        return
    v = case.variables(C)
    f = case.build(C, v)
    feed = case.feed(v)
    for k in range(case.evals):
        for j, value in enumerate(outputs_of(f, f.eval(feed))):
            assert_close(value, stored("%s/value/%d/%d" % (case.name, k, j)), "evaluation %d, output %d" % (k, j))
    if case.wrt:  # a fresh instance, as recorded (CNTK restarts random streams there; see make_loss_golden.record)
        v = case.variables(C)
        f, feed = case.build(C, v), case.feed(v)
        grads = f.grad(feed, wrt=[v[n] for n in case.wrt])
        grads = grads if isinstance(grads, dict) else {v[case.wrt[0]]: grads}
        for n in case.wrt:
            assert_close(grads[v[n]], stored("%s/grad/%s" % (case.name, n)), "gradient w.r.t. %s" % n)


# --- what CNTK refuses, and behaviour the goldens cannot show ------------------------------------------------------
def _inputs(*shapes, grad=False):
    return [C.input_variable(s, needs_gradient=grad, name="v%d" % k) for k, s in enumerate(shapes)]


def test_default_axis_criteria_need_vectors_or_matrices():
    o, t = _inputs((2, 3, 4), (2, 3, 4))
    for op in (C.cross_entropy_with_softmax, C.classification_error):
        with pytest.raises(ValueError, match=r"rank 1 or 2.*\(2, 3, 4\)"):
            op(o, t)
        assert op(o, t, axis=1).output.shape == ((2, 1, 4) if op is C.cross_entropy_with_softmax else ())
    o, t = _inputs((3,), (4,))
    with pytest.raises(ValueError, match=r"last \(class\) axis.*\(3,\) vs \(4,\)"):
        C.cross_entropy_with_softmax(o, t)


def test_top_n_error_is_a_count_over_the_minibatch_without_gradient():
    o, t = _inputs(4, 4, grad=True)
    with pytest.raises(ValueError, match="topN > 1"):
        C.classification_error(o, t, axis=0, topN=2)
    f = C.classification_error(o, t, topN=2)
    assert f.output.shape == () and f.output.dynamic_axes == ()
    data = {o: np.array([[1, 2, 3, 4], [4, 3, 2, 1], [1, 5, 3, 4]], np.float32),
            t: np.eye(4, dtype=np.float32)[[2, 3, 1]]}
    assert float(f.eval(data)) == 1.0
    with pytest.raises(RuntimeError, match="evaluation-only"):
        f.grad(data, wrt=[o])


def test_trainer_averages_a_minibatch_level_metric_over_its_samples():
    x, y = C.input_variable(4), C.input_variable(4)
    z = C.times(x, C.parameter((4, 4), init=np.eye(4, dtype=np.float32)))
    trainer = C.Trainer(z, (C.cross_entropy_with_softmax(z, y), C.classification_error(z, y, topN=2)),
                        [C.sgd(z.parameters, 0.0)])
    data = {x: np.array([[1, 2, 3, 4], [4, 3, 2, 1], [1, 5, 3, 4]], np.float32), y: np.eye(4, dtype=np.float32)[[2, 3, 1]]}
    trainer.train_minibatch(data)
    assert trainer.previous_minibatch_evaluation_average == pytest.approx(1 / 3)   # CNTK 2.7: 0.3333


@pytest.mark.parametrize("make", [lambda s, g, q: C.ndcg_at_1(s, g, q),
                                  lambda s, g, q: C.edit_distance_error(s, g)])
def test_evaluation_only_metrics_have_no_gradient(make):
    s, g, q = _inputs(1, 1, 1, grad=True)
    f = make(s, g, q)
    assert f.output.dynamic_axes == ()
    data = {v: np.array([[1], [2]], np.float32) for v in f.arguments}
    with pytest.raises(RuntimeError, match="evaluation-only"):
        f.grad(data, wrt=[s])


def test_lambda_rank_gradient_ignores_the_incoming_gradient():
    s = C.input_variable(1, needs_gradient=True)
    g, q = _inputs(1, 1)
    data = {s: np.array([[1], [2]], np.float32), g: np.array([[7], [1]], np.float32), q: np.ones((2, 1), np.float32)}
    plain = C.lambda_rank(s, g, q).grad(data, wrt=[s])
    np.testing.assert_allclose((3 * C.lambda_rank(s, g, q)).grad(data, wrt=[s]), plain)   # as in CNTK 2.7
    np.testing.assert_allclose(plain.ravel(), [-0.2121461, 0.2121461], rtol=1e-5)


def test_weighted_binary_cross_entropy_needs_one_value_per_sample_and_differentiates_the_output_only():
    o, t, w = _inputs(3, 3, 3)
    with pytest.raises(ValueError, match="one value per sample"):
        C.weighted_binary_cross_entropy(o, t, w)
    o = C.input_variable(1, needs_gradient=True)
    t, w = _inputs(1, 1)
    f = C.weighted_binary_cross_entropy(o, t, w)
    values = [np.array([[0.9], [0.2], [0.6]], np.float32), np.array([[1], [0], [1]], np.float32),
              np.array([[1], [2], [3]], np.float32)]
    assert float(f.eval(dict(zip((o, t, w), values)))) == pytest.approx(1.0420622, rel=1e-6)   # CNTK 2.7
    np.testing.assert_allclose(f.grad(dict(zip((o, t, w), values)), wrt=[o]).ravel(), [-1.1111112, 2.5, -5.0],
                               rtol=1e-6)
    t = C.input_variable(1, needs_gradient=True)
    f = C.weighted_binary_cross_entropy(o, t, w)
    with pytest.raises(RuntimeError, match="only be differentiated with respect to its output"):
        f.grad(dict(zip((o, t, w), values)), wrt=[t])


def test_operand_checks():
    a, b = _inputs((3,), (4,))
    with pytest.raises(ValueError, match="same shape"):
        C.cosine_distance(a, b)
    x, y = C.sequence.input_variable(3), C.input_variable(3)
    with pytest.raises(ValueError, match="share their dynamic axes"):
        C.cosine_distance_with_negative_samples(x, y, 1, 2)
    with pytest.raises(ValueError, match="positive"):
        C.cosine_distance_with_negative_samples(x, x, 0, 2)


def test_nce_loss_checks_shapes_and_infers_the_input_dim():
    x, y = C.input_variable(5), C.input_variable(12)
    q = np.arange(12, dtype=np.float32) + 1
    W = C.parameter((12, C.InferredDimension), init=0.1)
    loss = C.nce_loss(W, C.parameter((12, 1)), x, y, q, num_samples=4, seed=1)
    assert W.shape == (12, 5) and loss.output.shape == ()
    with pytest.raises(ValueError, match=r"biases must have shape \(12, 1\)"):
        C.nce_loss(W, C.parameter((12,)), x, y, q)
    with pytest.raises(ValueError, match="weights must have shape"):
        C.nce_loss(C.parameter((11, 5)), C.parameter((12, 1)), x, y, q)


def test_lattice_sequence_with_softmax_is_not_available():
    with pytest.raises(NotImplementedError, match="cntk.losses.lattice_sequence_with_softmax"):
        C.lattice_sequence_with_softmax(None, None, None, None, "", "", "", "")


def test_classification_error_scans_for_the_maximum_as_cntk():
    """Ties go to the first maximum; a NaN never wins, and a NaN in the first entry keeps class 0
    (what CNTK 2.7 gives for these rows), on the vector path and on the general one alike."""
    nan, inf = np.nan, np.inf
    o = np.array([[0.1, 0.7, 0.7], [0.2, nan, 0.9], [nan, nan, nan], [nan, 1.0, 0.5], [-inf, nan, -inf],
                  [0.3, nan, 0.3]], np.float32)
    picked = np.array([1, 2, 0, 0, 0, 0])
    t = np.eye(3, dtype=np.float32)[[1, 0, 2, 0, 1, 0]]
    expected = (picked != t.argmax(1)).astype(np.float32).reshape(-1, 1)
    vec_o, vec_t = C.input_variable(3), C.input_variable(3)
    np.testing.assert_array_equal(C.classification_error(vec_o, vec_t).eval({vec_o: o, vec_t: t}), expected)
    mat_o, mat_t = C.input_variable((1, 3)), C.input_variable((1, 3))
    general = C.classification_error(mat_o, mat_t).eval({mat_o: o.reshape(-1, 1, 3), mat_t: t.reshape(-1, 1, 3)})
    np.testing.assert_array_equal(np.asarray(general).reshape(-1, 1), expected)
