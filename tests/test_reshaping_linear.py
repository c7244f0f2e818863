"""Shape ops and matrix products against the reference CNTK 2.7.

Values: golden data (tools/golden/make_reshape_golden.py, tests/golden/reshape_golden.npz); each
case rebuilds the same graph, compares the output and the gradients of ``sum(square(f))``.
Pure shape and type behaviour: literal assertions checked against the reference by hand.
"""
import importlib.util
import os

import numpy as np
import pytest

import cntk as C

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location("make_reshape_golden", os.path.join(ROOT, "tools", "golden",
                                                                                   "make_reshape_golden.py"))
G = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(G)

ARRAYS = dict(np.load(os.path.join(ROOT, "tests", "golden", "reshape_golden.npz"), allow_pickle=False))


def _stored(key):
    if key in ARRAYS:
        return ARRAYS[key]
    parts = []
    while "%s_%d" % (key, len(parts)) in ARRAYS:
        parts.append(ARRAYS["%s_%d" % (key, len(parts))])
    assert parts, "no golden data for %s" % key
    return parts


def _close(actual, expected, what):
    if isinstance(expected, list):
        assert len(actual) == len(expected), what
        for i, (a, e) in enumerate(zip(actual, expected)):
            _close(a, e, "%s[%d]" % (what, i))
        return
    actual = np.asarray(actual, dtype=np.float32)
    assert actual.shape == expected.shape, "%s: shape %s != %s" % (what, actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5, err_msg=what)


@pytest.mark.parametrize("case", G.CASES, ids=[c[0] for c in G.CASES])
def test_matches_reference(case):
    name, specs = case[0], case[1]
    fn, variables = G.build(C, case)
    feed = {variables[s[0]]: _stored("%s__%s" % (name, s[0])) for s in specs}
    _close(fn.eval(feed), _stored(name + "__out"), name + " output")
    params = list(fn.parameters)
    wrt = [variables[s[0]] for s in specs if s[3]] + params
    grads = C.square(fn).grad(feed, wrt=wrt)
    if not isinstance(grads, dict):
        grads = {wrt[0]: grads}
    for s in specs:
        if s[3]:
            _close(grads[variables[s[0]]], _stored("%s__g%s" % (name, s[0])), "%s gradient of %s" % (name, s[0]))
    for k, p in enumerate(params):
        _close(grads[p], _stored("%s__gp%d" % (name, k)), "%s gradient of parameter %d" % (name, k))


def test_times_keeps_the_dynamic_axes_of_its_right_operand():
    b = C.input_variable((1, 1))
    z = C.times(C.constant(np.array([[30.]], dtype=np.float32)), b)
    assert z.dynamic_axes == (C.Axis.default_batch_axis(),)
    assert z.eval({b: np.array([[[10.]]], dtype=np.float32)}).shape == (1, 1, 1)


def test_times_reduce_sequence_axis_constants_and_axes():
    assert C.TIMES_NO_INFERRED_INPUT_RANK == -1
    assert C.TIMES_REDUCE_SEQUENCE_AXIS_WITHOUT_INFERRED_INPUT_RANK == -2
    a, b = C.sequence.input_variable(1), C.sequence.input_variable(10)
    reduced = C.times(a, b, infer_input_rank_to_map=C.TIMES_REDUCE_SEQUENCE_AXIS_WITHOUT_INFERRED_INPUT_RANK)
    assert reduced.dynamic_axes == C.sequence.reduce_sum(C.times(a, b)).dynamic_axes
    assert reduced.shape == (1, 10)


def test_op_names_and_attributes_follow_cntk():
    p = C.placeholder()
    assert C.squeeze(p).root_function.op_name == "Squeeze"
    expand = C.expand_dims(p, 0).root_function
    assert (expand.op_name, expand.is_block) == ("ExpandDims", True)
    d2s = C.depth_to_space(p, 2).root_function
    assert (d2s.op_name, d2s.is_block, d2s.attributes) == ("DepthToSpace", True, {"blockSize": 2})
    s2d = C.space_to_depth(p, 3).root_function
    assert (s2d.op_name, s2d.is_block, s2d.attributes) == ("SpaceToDepth", True, {"blockSize": 3})
    ref = C.constant(np.zeros((2, 3, 4), dtype=np.float32))
    idx = C.constant(np.zeros((2,), dtype=np.float32))
    assert C.gather(ref, idx, axis=0).root_function.op_name == "Gather"
    by_axis = C.gather(ref, idx, axis=1).root_function
    assert (by_axis.op_name, by_axis.is_block) == ("GatherOp", True)


@pytest.mark.parametrize("axis, shape", [(-3, (1, 2, 3)), (-2, (2, 1, 3)), (-1, (2, 3, 1)), (0, (2, 1, 3)),
                                         (1, (2, 3, 1))])
def test_expand_dims_positions(axis, shape):
    assert C.expand_dims(C.input_variable((2, 3)), axis).shape == shape


@pytest.mark.parametrize("axis", [-4, 2, 3])
def test_expand_dims_out_of_range(axis):
    with pytest.raises(ValueError):
        C.expand_dims(C.input_variable((2, 3)), axis)


def test_squeeze_of_an_axis_that_is_not_1():
    with pytest.raises(ValueError):  # CNTK raises a RuntimeError
        C.squeeze(C.input_variable((2, 3)), 0)


def test_reshape_axes_outside_the_shape():
    with pytest.raises(ValueError):
        C.reshape(C.input_variable((2, 3)), (6,), 1, 0)


def test_swapaxes_of_scalars_and_vectors():
    with pytest.raises(ValueError):
        C.swapaxes(C.input_variable(()))
    with pytest.raises(ValueError):
        C.swapaxes(C.input_variable(2))


def test_backward_with_a_bare_root_gradient():
    p = C.parameter(init=np.arange(8, dtype=np.float32).reshape(4, 2))
    r = C.reshape(p, (8, 1))
    state, _ = r.forward({}, [r.output], [r.output])
    grad = r.backward(state, np.arange(8).reshape(8, 1), [p])
    assert np.array_equal(grad[p], np.arange(8).reshape(4, 2))


def test_function_reads_members_of_its_only_output():
    x = C.sequence.input_variable((3,), name="x")
    y = C.input_variable((3,), name="y")
    y2 = C.reconcile_dynamic_axes(y, x)
    assert [v.name for v in y2.owner.inputs] == ["y", "x"]


def test_parameter_ignores_a_memoryview_shape_with_an_array_value():
    value = np.arange(12, dtype=np.float32).reshape(6, 2)
    assert C.parameter(shape=value.data, init=value).shape == (6, 2)
