"""Bad input gives a clear error that names the op or input, and the expected and actual shapes."""
import numpy as np
import pytest

import cntk as C


def message(fn):
    with pytest.raises(Exception) as info:
        fn()
    return str(info.value)


def contains(msg, *parts):
    for p in parts:
        assert p in msg, "%r not in error message: %s" % (p, msg)


@pytest.fixture
def ab():
    return C.input_variable(3, name="a"), C.input_variable(4, name="b")


# --- graph construction --------------------------------------------------------------------------
def test_broadcast_mismatch_names_op_operands_and_shapes(ab):
    a, b = ab
    contains(message(lambda: C.plus(a, b)), "Plus", "'a'", "(3,)", "'b'", "(4,)")
    contains(message(lambda: a * b), "ElementTimes", "'a'", "'b'")


def test_times_mismatch(ab):
    a, _ = ab
    W = C.parameter((4, 2), name="W")
    contains(message(lambda: C.times(a, W)), "Times", "'a'", "(3,)", "'W'", "(4, 2)")
    V = C.parameter((2, 4), name="V")
    contains(message(lambda: C.times_transpose(a, V)), "TransposeTimes", "'a'", "(3,)", "'V'", "(2, 4)")


def test_splice_reshape_slice_mismatch(ab):
    a, _ = ab
    p, q = C.input_variable((2, 3), name="p"), C.input_variable((3, 3), name="q")
    contains(message(lambda: C.splice(p, q, axis=1)), "Splice", "'p'", "(2, 3)", "'q'", "(3, 3)")
    contains(message(lambda: C.reshape(a, (2, 2))), "Reshape", "'a'", "(3,)", "(2, 2)")
    contains(message(lambda: C.slice(a, 0, 2, 2)), "Slice", "'a'", "(3,)", "empty")


def test_two_sequence_axes_cannot_be_combined():
    x = C.sequence.input_variable(3, name="x")
    z = C.sequence.input_variable(3, name="z", sequence_axis=C.Axis("other"))
    contains(message(lambda: x + z), "Plus", "dynamic axes", "do not match", "'z'", "other", "defaultDynamicAxis")
    contains(message(lambda: C.splice(x, z)), "Splice", "do not match")


def test_sequence_op_on_non_sequence(ab):
    a, _ = ab
    contains(message(lambda: C.sequence.last(a)), "Sequence::Last", "'a'", "no sequence axis")
    contains(message(lambda: C.sequence.past_value(a)), "PastValue", "'a'", "no sequence axis")


# --- evaluation ----------------------------------------------------------------------------------
def test_wrong_data_shape_batch_input(ab):
    a, _ = ab
    contains(message(lambda: (a * 2).eval({a: np.ones((2, 4), np.float32)})), "'a'", "(3,)", "(2, 4)")


def test_wrong_data_shape_sequence_input():
    x = C.sequence.input_variable(3, name="x")
    contains(message(lambda: (x * 2).eval({x: [np.ones((2, 3)), np.ones((2, 4))]})), "'x'", "sequence 1", "(2, 4)", "3")
    contains(message(lambda: (x * 2).eval({x: np.ones((2, 5))})), "'x'", "(3,)", "(2, 5)")


def test_sequences_on_one_axis_must_have_equal_lengths():
    x, y = C.sequence.input_variable(3, name="x"), C.sequence.input_variable(3, name="y")
    msg = message(lambda: (x + y).eval({x: [np.ones((2, 3))], y: [np.ones((3, 3))]}))
    contains(msg, "'x'", "'y'", "defaultDynamicAxis", "length")


def test_unbound_placeholder():
    p = C.placeholder(name="ph")
    x = C.sequence.input_variable(3, name="x")
    f = p * x
    contains(message(lambda: f.eval({x: [np.ones((2, 3))]})), "placeholder", "'ph'", "not bound", "replace_placeholders")


def test_missing_and_unknown_arguments(ab):
    a, _ = ab
    x = C.sequence.input_variable(3, name="x")
    contains(message(lambda: (x * 2 + a).eval({x: [np.ones((2, 3))]})), "'a'", "not given data")
    contains(message(lambda: (x * 2).eval({"nope": [np.ones((2, 3))]})), "'nope'", "x")
