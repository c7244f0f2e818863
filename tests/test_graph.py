"""The symbolic graph: types, properties, composition, cloning and CNTK's data conventions.

Expected values are those the reference CNTK 2.7 produced (cntk-api.md §2a/§2b, verified there)."""
import numpy as np
import pytest

import cntk as C

SEQS = [np.array([[1], [2], [3], [4]], np.float32), np.array([[5], [6]], np.float32)]


def test_input_axes_and_shapes():
    x = C.sequence.input_variable(3, name="x")
    y = C.input_variable((2, 3))
    assert x.shape == (3,) and y.shape == (2, 3)
    assert [a.name for a in x.dynamic_axes] == ["defaultBatchAxis", "defaultDynamicAxis"]
    assert [a.name for a in y.dynamic_axes] == ["defaultBatchAxis"]
    z = C.sequence.input_variable(1, sequence_axis=C.Axis("labelAxis"))
    assert z.dynamic_axes[1].name == "labelAxis" and z.has_sequence_axis() and not y.has_sequence_axis()
    assert (x + y[0]).dynamic_axes == x.dynamic_axes


def test_two_sequence_axes_cannot_combine():
    x = C.sequence.input_variable(1)
    z = C.sequence.input_variable(1, sequence_axis=C.Axis("labelAxis"))
    with pytest.raises(ValueError, match="dynamic axes that do not match"):
        x + z


def test_sequence_outputs_are_lists_and_batch_broadcasts_over_steps():
    x = C.sequence.input_variable(2)
    y = C.input_variable(2)
    out = (x * 2).eval({x: np.zeros((2, 3, 2), np.float32)})
    assert isinstance(out, list) and [o.shape for o in out] == [(3, 2), (3, 2)]
    r = (x + y).eval({x: [np.zeros((3, 2)), np.zeros((1, 2))], y: np.array([[1, 2], [3, 4]])})
    np.testing.assert_array_equal(r[0], [[1, 2]] * 3)
    np.testing.assert_array_equal(r[1], [[3, 4]])


def test_hand_built_recurrence_matches_reference_cumsum():
    x = C.sequence.input_variable(1, name="x")
    for init, backward, expected in [(0.0, False, [[1, 3, 6, 10], [5, 11]]), (10.0, False, [[11, 13, 16, 20], [15, 21]]),
                                     (0.0, True, [[10, 9, 7, 4], [11, 6]])]:
        ph = C.placeholder()
        delayed = (C.sequence.future_value if backward else C.sequence.past_value)(ph, initial_state=init)
        h = delayed + x
        h.replace_placeholders({ph: h.output})
        out = h.eval({x: SEQS})
        for got, want in zip(out, expected):
            np.testing.assert_allclose(got.ravel(), want)


def test_sequence_ops_reference_values():
    x = C.sequence.input_variable(1)
    checks = {
        C.sequence.first(x): [[1], [5]], C.sequence.last(x): [[4], [6]],
        C.sequence.reduce_sum(x): [[10], [11]], C.sequence.reduce_max(x): [[4], [6]],
    }
    for f, want in checks.items():
        np.testing.assert_allclose(f.eval({x: SEQS}), want)
    per_step = {
        C.sequence.is_first(x): [[1, 0, 0, 0], [1, 0]], C.sequence.is_last(x): [[0, 0, 0, 1], [0, 1]],
        C.sequence.slice(x, 1, 0): [[2, 3, 4], [6]], C.sequence.slice(x, 0, -1): [[1, 2, 3], [5]],
        C.sequence.slice(x, -2, 0): [[3, 4], [5, 6]], C.sequence.past_value(x): [[0, 1, 2, 3], [0, 5]],
        C.sequence.future_value(x): [[2, 3, 4, 0], [6, 0]], C.sequence.where(C.greater(x, 2)): [[2, 3], [0, 1]],
        C.sequence.gather(x, C.greater(x, 2)): [[3, 4], [5, 6]],
        C.sequence.broadcast_as(C.sequence.last(x), x): [[4, 4, 4, 4], [6, 6]],
        C.sequence.scatter(C.sequence.gather(x, C.greater(x, 2)), C.greater(x, 2)): [[0, 0, 3, 4], [5, 6]],
    }
    for f, want in per_step.items():
        got = f.eval({x: SEQS})
        assert [g.ravel().tolist() for g in got] == want, f


def test_parameters_arguments_and_names():
    x = C.input_variable(3, name="x")
    W = C.parameter((3, 2), init=np.arange(6).reshape(3, 2), name="W")
    b = C.parameter(2, init=0.5, name="b")
    z = C.plus(C.times(x, W), b, name="out")
    assert z.parameters == [W, b]
    assert z.arguments == [x]
    assert z.find_by_name("W") is W and z.W is W
    assert z.name == "out" and z.output.name == "out"
    np.testing.assert_allclose(z.eval({x: np.ones((1, 3))}), [[6.5, 9.5]])


def test_clone_methods_and_substitution():
    x = C.input_variable(2, name="x")
    W = C.parameter((2, 2), init=np.eye(2), name="W")
    z = C.times(x, W)
    y = C.input_variable(2, name="y")
    shared = z.clone(C.CloneMethod.share, {x: y})
    assert shared.parameters[0] is W and shared.arguments == [y]
    copied = z.clone(C.CloneMethod.clone)
    assert copied.parameters[0] is not W
    np.testing.assert_array_equal(copied.parameters[0].value, W.value)
    frozen = z.clone(C.CloneMethod.freeze)
    assert frozen.parameters == [] and len(frozen.constants) == 1


def test_function_decorator_and_call_composition():
    @C.Function
    def f(a, b):
        return a * b + a
    assert [p.name for p in f.arguments] == ["a", "b"]
    a, b = C.input_variable(2), C.input_variable(2)
    np.testing.assert_allclose(f(a, b).eval({a: [[1, 2]], b: [[3, 4]]}), [[4, 10]])


def test_combine_eval_returns_dict_and_call_returns_tuple():
    x = C.input_variable(1)
    c = C.combine([x * 2, x * 3])
    out = c.eval({x: [[1.0]]})
    assert isinstance(out, dict) and len(out) == 2
    two, three = c(np.array([[1.0]], np.float32))
    assert two[0, 0] == 2 and three[0, 0] == 3


def test_grad_with_respect_to_sequence_input():
    x = C.sequence.input_variable(1, needs_gradient=True)
    g = C.sequence.reduce_sum(x * x).grad({x: SEQS}, wrt=[x])
    for got, seq in zip(g, SEQS):
        np.testing.assert_allclose(got, 2 * seq)


def test_output_slicing_keeps_the_axis():
    x = C.input_variable(3)
    assert x[..., 2].shape == (1,) and x[0:2].shape == (2,)


def test_wrong_data_shape_names_the_input():
    x = C.sequence.input_variable(2, name="features")
    with pytest.raises(ValueError, match="features"):
        (x * 1).eval({x: np.zeros((3, 5), np.float32)})
