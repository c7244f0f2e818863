"""Names CNTK's own test files import at collection time: real behaviour of each."""
import numpy as np
import pytest

import cntk as C
from cntk.internal import _value_as_sequence_or_array, sanitize_batch, sanitize_dynamic_axes, sanitize_input


def test_new_leading_axis_is_static_sentinel():
    a = C.Axis.new_leading_axis()
    assert a.is_static_axis and a == C.Axis.end_static_axis()
    assert a != C.Axis(0)


def test_sanitize_input_converts_to_fallback_dtype():
    c = sanitize_input(np.array([1, 2], np.float32), np.float64)
    assert c.dtype == np.float64 and c.shape == (2,)
    np.testing.assert_allclose(c.value, [1, 2])
    x = C.input_variable(2)
    assert sanitize_input(x) is x


def test_sanitize_dynamic_axes_reverses():
    axes = [C.Axis.default_batch_axis(), C.Axis.default_dynamic_axis()]
    assert sanitize_dynamic_axes(axes) == tuple(reversed(axes))
    with pytest.raises(TypeError):
        sanitize_dynamic_axes([1])


def test_sanitize_batch_and_back():
    v = C.sequence.input_variable(3)
    b = sanitize_batch(v, [np.ones((2, 3), np.float32), np.ones((1, 3), np.float32)], [True, False])
    assert b.shape == (2, 2, 3)
    assert b.mask.tolist() == [[2, 1], [1, 0]]
    seqs = _value_as_sequence_or_array(b, v)
    assert [s.shape for s in seqs] == [(2, 3), (1, 3)]
    with pytest.raises(ValueError):
        sanitize_batch(C.input_variable(3), np.ones((2, 3), np.float32), [True, True])


def test_always_allow_setting_default_device():
    from cntk.device import _DEFAULT
    saved = (_DEFAULT.device, _DEFAULT.frozen, _DEFAULT.always_allow)
    try:
        C.cntk_py.always_allow_setting_default_device()
        C.use_default_device()
        assert not _DEFAULT.frozen
        assert C.try_set_default_device(C.cpu())
    finally:
        _DEFAULT.device, _DEFAULT.frozen, _DEFAULT.always_allow = saved


def test_pooling_constants():
    assert (C.MAX_POOLING, C.AVG_POOLING) == (0, 1)


def test_debugging_module():
    import cntk.debugging as D
    D.set_checked_mode(True)
    assert D.debug.get_checked_mode()
    D.set_checked_mode(False)
    with pytest.raises(NotImplementedError, match="save_as_legacy_model"):
        D.save_as_legacy_model(C.plus(C.input_variable(1), 1), "x")
    with pytest.raises(NotImplementedError, match="debug_model"):
        D.debug_model(C.plus(C.input_variable(1), 1))
