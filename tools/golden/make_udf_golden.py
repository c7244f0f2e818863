"""Golden data for Python user functions (cntk.ops.functions.UserFunction), from the reference CNTK 2.7.

Run with the reference interpreter, from the repository root:

    /opt/cntk-ref/bin/python tools/golden/make_udf_golden.py

Writes tests/golden/udf_golden.npz: for each case of CASES its inputs, the values of its outputs
and the gradients of their sum (keys ``<case>/<what>``, per-sequence lists stored as in
npz_layout.py), and the bytes of a model file holding a stateful user function saved by CNTK
(``saved/model_bytes``, uint8). The user-function classes and the case builders below are plain
Python 3.6 code on the public API; tests/test_user_function.py imports this module so that both
sides build exactly the same graphs (and the saved classes are found under this module's name).
"""
from __future__ import print_function

import os
import sys
import tempfile

import numpy as np

import cntk as C
from cntk.ops.functions import UserFunction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from npz_layout import pack  # noqa: E402

RAGGED = [3, 1, 2]


class MySigmoid(UserFunction):
    """Sigmoid; the backward uses the state kept by the forward."""

    def __init__(self, arg, name='MySigmoid'):
        super(MySigmoid, self).__init__([arg], name=name)

    def infer_outputs(self):
        x = self.inputs[0]
        return [C.output_variable(x.shape, x.dtype, x.dynamic_axes)]

    def forward(self, argument, device=None, outputs_to_retain=None):
        s = 1.0 / (1.0 + np.exp(-argument))
        return s, s

    def backward(self, state, root_gradients):
        return root_gradients * state * (1.0 - state)


class MyScale(UserFunction):
    """Sequence data times a weight vector; the weight's gradient sums over every step."""

    def __init__(self, x, w, name='MyScale'):
        super(MyScale, self).__init__([x, w], name=name)

    def infer_outputs(self):
        x = self.inputs[0]
        return [C.output_variable(x.shape, x.dtype, x.dynamic_axes)]

    def forward(self, arguments, device=None, outputs_to_retain=None):
        seqs, w = arguments
        return (seqs, w), [s * w for s in seqs]

    def backward(self, state, root_gradients, variables):
        seqs, w = state
        if self.inputs[0] in variables:
            variables[self.inputs[0]] = [g * w for g in root_gradients]
        if self.inputs[1] in variables:
            variables[self.inputs[1]] = sum(np.sum(g * s, axis=0) for g, s in zip(root_gradients, seqs))


class PlusMinus(UserFunction):
    """Two outputs: a + b and a - b."""

    def __init__(self, a, b, name='PlusMinus'):
        super(PlusMinus, self).__init__([a, b], name=name)

    def infer_outputs(self):
        a = self.inputs[0]
        return [C.output_variable(a.shape, a.dtype, a.dynamic_axes),
                C.output_variable(a.shape, a.dtype, a.dynamic_axes)]

    def forward(self, arguments, outputs, device=None, outputs_to_retain=None):
        a, b = arguments
        outputs[self.outputs[0]] = [x + y for x, y in zip(a, b)]
        outputs[self.outputs[1]] = [x - y for x, y in zip(a, b)]

    def backward(self, state, root_gradients, variables):
        g_plus, g_minus = root_gradients[self.outputs[0]], root_gradients[self.outputs[1]]
        if self.inputs[0] in variables:
            variables[self.inputs[0]] = [p + m for p, m in zip(g_plus, g_minus)]
        if self.inputs[1] in variables:
            variables[self.inputs[1]] = [p - m for p, m in zip(g_plus, g_minus)]


class Halve(UserFunction):
    """Half the input, used inside a recurrence loop (each step sees a list of (1, dim) arrays).

    Its backward needs no state: CNTK 2.7 hands every step's backward inside a loop the state of
    the loop's last forward step (a bug this package does not copy), so a stateful backward would
    give the reference wrong gradients here.
    """

    def __init__(self, arg, name='Halve'):
        super(Halve, self).__init__([arg], name=name)

    def infer_outputs(self):
        x = self.inputs[0]
        return [C.output_variable(x.shape, x.dtype, x.dynamic_axes)]

    def forward(self, argument, device=None, outputs_to_retain=None):
        return None, [0.5 * a for a in argument]

    def backward(self, state, root_gradients):
        return [0.5 * g for g in root_gradients]


class ValueDouble(UserFunction):
    """Twice the input, computed on Value objects (as_numpy=False) by a small graph."""

    def __init__(self, arg, name='ValueDouble'):
        super(ValueDouble, self).__init__([arg], as_numpy=False, name=name)
        x = self.inputs[0]
        self.inner = C.input_variable(x.shape, x.dtype) * 2

    def infer_outputs(self):
        x = self.inputs[0]
        return [C.output_variable(x.shape, x.dtype, x.dynamic_axes)]

    def forward(self, argument, device=None, outputs_to_retain=None):
        return None, self.inner.eval({self.inner.arguments[0]: argument}, as_numpy=False)

    def backward(self, state, root_gradients):
        return self.inner.eval({self.inner.arguments[0]: root_gradients}, as_numpy=False)


class Stateful(UserFunction):
    """x * scale, with the scale and a call counter stored in model files."""

    def __init__(self, arg, scale=1.0, name='Stateful'):
        super(Stateful, self).__init__([arg], name=name)
        self.scale = scale
        self.calls = 0

    def infer_outputs(self):
        x = self.inputs[0]
        return [C.output_variable(x.shape, x.dtype, x.dynamic_axes)]

    def forward(self, argument, device=None, outputs_to_retain=None):
        self.calls += 1
        return None, argument * self.scale

    def backward(self, state, root_gradients):
        return root_gradients * self.scale

    def clone(self, cloned_inputs):
        return Stateful(cloned_inputs[0], self.scale, self.name)

    def serialize(self):
        return {'scale': self.scale, 'calls': self.calls, 'tag': 'stateful'}

    @staticmethod
    def deserialize(inputs, name, state):
        f = Stateful(inputs[0], state['scale'], name)
        f.calls = state['calls']
        return f


def _data(seed, shape, lengths=None):
    rng = np.random.RandomState(seed)
    if lengths is None:
        return rng.uniform(-1, 1, shape).astype(np.float32)
    return [rng.uniform(-1, 1, (n,) + shape).astype(np.float32) for n in lengths]


def case_sigmoid_dense():
    x = C.input_variable(3, needs_gradient=True, name='x')
    w = C.parameter((3, 2), init=_data(1, (3, 2)), name='w')
    f = C.user_function(MySigmoid(C.times(x, w)))
    return f, {'x': _data(2, (4, 3))}, [x, w]


def case_scale_ragged():
    x = C.sequence.input_variable(3, needs_gradient=True, name='x')
    w = C.parameter(3, init=_data(3, (3,)), name='w')
    f = C.user_function(MyScale(x, w))
    return f, {'x': _data(4, (3,), RAGGED)}, [x, w]


def case_multi_output():
    a = C.sequence.input_variable(2, needs_gradient=True, name='a')
    b = C.sequence.input_variable(2, needs_gradient=True, name='b')
    op = C.user_function(PlusMinus(a, b))
    f = C.combine([op.outputs[0] * 2 + op.outputs[1]])
    return f, {'a': _data(5, (2,), RAGGED), 'b': _data(6, (2,), RAGGED)}, [a, b]


def case_recurrence():
    x = C.sequence.input_variable(2, needs_gradient=True, name='x')
    p = C.placeholder(shape=(2,))
    f = C.tanh(C.user_function(Halve(C.sequence.past_value(p)))) + x
    f.replace_placeholders({p: f.output})
    return f, {'x': _data(7, (2,), [4, 2, 3])}, [x]


def case_value_io():
    x = C.input_variable(2, needs_gradient=True, name='x')
    f = C.user_function(ValueDouble(x * 3)) + 1
    return f, {'x': _data(8, (5, 2))}, [x]


CASES = [('sigmoid_dense', case_sigmoid_dense), ('scale_ragged', case_scale_ragged),
         ('multi_output', case_multi_output), ('recurrence', case_recurrence), ('value_io', case_value_io)]


def saved_model():
    """A model holding a Stateful user function (scale 1.5, called twice) and its input data."""
    x = C.input_variable(2, name='x')
    u = Stateful(x, 1.5, name='stateful')
    f = C.user_function(u) + 1
    data = _data(9, (3, 2))
    f.eval({x: data})
    f.eval({x: data})
    return f, data


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    store = {}
    for name, build in CASES:
        f, inputs, wrt = build()
        feed = dict((v, inputs[v.name]) for v in f.arguments)
        for k, value in inputs.items():
            pack(store, '%s/in_%s' % (name, k), value)
        pack(store, '%s/out' % name, f.eval(feed))
        grads = f.grad(feed, wrt=wrt)
        if len(wrt) == 1:
            grads = {wrt[0]: grads}
        for v in wrt:
            pack(store, '%s/grad_%s' % (name, v.name), grads[v])
    f, data = saved_model()
    path = os.path.join(tempfile.mkdtemp(), 'udf.model')
    f.save(path)
    with open(path, 'rb') as fh:
        store['saved/model_bytes'] = np.frombuffer(fh.read(), dtype=np.uint8)
    store['saved/in_x'] = data
    store['saved/out'] = f.eval({f.arguments[0]: data})
    out = os.path.join(root, 'tests', 'golden', 'udf_golden.npz')
    np.savez_compressed(out, **store)
    print('wrote %s (%d arrays)' % (out, len(store)))


if __name__ == '__main__':
    # Import this file as a module so that the saved classes are recorded under its module name
    # ('make_udf_golden'), which is how the tests import it.
    import make_udf_golden
    make_udf_golden.main()
