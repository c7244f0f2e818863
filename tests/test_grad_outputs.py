"""Function.grad with ``outputs`` (returns gradients and values) and with ``grad_root`` (an
intermediate output as the root), as CNTK 2.7 defines them."""
import numpy as np
import pytest

import cntk as C


def test_grad_with_outputs_returns_values_too():
    x = C.input_variable(3, needs_gradient=True)
    h = C.element_times(x, x, name='square')
    f = C.reduce_sum(h * 3.0)
    data = np.array([[1., 2., 3.]], np.float32)
    grads, values = f.grad({x: data}, wrt=[x], outputs=[h.output, f.output])
    np.testing.assert_allclose(grads, 6 * data)
    np.testing.assert_allclose(values[h.output], data ** 2)
    np.testing.assert_allclose(values[f.output], [3 * 14.0])
    np.testing.assert_allclose(f.grad({x: data}, wrt=[x]), 6 * data)
    grads, value = f.grad({x: data}, wrt=[x], outputs=[f.output])  # one output: the value itself
    np.testing.assert_allclose(value, [3 * 14.0])


def test_grad_root_is_an_intermediate_output():
    x = C.input_variable(2, needs_gradient=True)
    h = C.element_times(x, x)
    f = C.combine([h, C.reduce_sum(h) * 10.0])
    data = np.array([[1., -2.]], np.float32)
    np.testing.assert_allclose(f.grad({x: data}, wrt=[x], grad_root=h.output), 2 * data)
    with pytest.raises(TypeError, match='grad_root'):
        f.grad({x: data}, wrt=[x], grad_root=np.ones(2))
