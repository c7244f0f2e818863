"""Value / NDArrayView API; expectations observed running the same calls under CNTK 2.7."""
import numpy as np
import pytest
import scipy.sparse as sp

import cntk as C
from cntk.internal import sanitize_value


def test_asvalue_shapes_follow_cntk() -> None:
    assert C.asvalue(C.sequence.input_variable(5), np.ones((2, 5), np.float32)).shape == (2, 5)
    assert C.asvalue(C.input_variable(5), [np.ones(5, np.float32)] * 2).shape == (2, 1, 5)
    assert C.asvalue(C.input_variable(5, dynamic_axes=[]), np.ones((2, 5), np.float32)).shape == (2, 5)


def test_ndarrayview_from_csr_and_zeros() -> None:
    csr = sp.csr_matrix(np.eye(3, dtype=np.float32)[[0, 1, 2, 0]])
    v = C.NDArrayView.from_csr(csr, shape=(2, 2, 3))
    assert v.shape == (2, 2, 3) and v.is_sparse
    with pytest.raises(ValueError):
        C.NDArrayView.from_csr(csr, shape=(3, 2, 3))
    n = C.NDArrayView((2, 3), np.float32)
    assert n.shape == (2, 3) and n.asarray().tolist() == [[0.0] * 3] * 2 and str(n.device) == "CPU"


def test_sanitize_value_and_one_hot_skip() -> None:
    assert sanitize_value((2, 3), 1, np.float32, None).asarray().tolist() == [[1.0] * 3] * 2
    assert C.Value.ONE_HOT_SKIP == 4294967295


def test_reversed_and_strided_arrays_are_taken_as_their_values() -> None:
    """A reversed view (negative strides, which torch cannot share) or a strided one evaluates
    like a copy of it."""
    x = C.sequence.input_variable(2)
    data = np.arange(24, dtype=np.float32).reshape(2, 6, 2)
    for view in (data[:, ::-1], data[:, ::2], data[::-1]):
        np.testing.assert_array_equal(np.array(C.sequence.reduce_sum(x).eval({x: view})),
                                      np.array(C.sequence.reduce_sum(x).eval({x: view.copy()})))
