"""Python user functions (UserFunction, user_function, output_variable) and UserLearner.

Forward values and gradients are compared with the reference CNTK 2.7 (tests/golden/udf_golden.npz,
made by ``/opt/cntk-ref/bin/python tools/golden/make_udf_golden.py``, whose classes and cases are
imported here so that both sides build the same graphs); the rest checks behaviour CNTK defines:
call conventions, training, cloning, model files (also one written by CNTK) and the learner.
"""
import os
import sys

import numpy as np
import pytest

import cntk as C
from cntk.ops.functions import Function, UserFunction

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools", "golden"))

import make_udf_golden as cases  # noqa: E402
from npz_layout import unpack  # noqa: E402

GOLDEN = np.load(os.path.join(ROOT, "tests", "golden", "udf_golden.npz"))
TOL = dict(rtol=1e-5, atol=1e-6)


def assert_close(actual, expected, what):
    if isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), what
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_close(a, e, "%s[seq %d]" % (what, i))
        return
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, "%s: shape %s, expected %s" % (what, actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, err_msg=what, **TOL)


@pytest.mark.parametrize("name", [name for name, _ in cases.CASES])
def test_matches_reference(name):
    build = dict(cases.CASES)[name]
    f, _, wrt = build()
    feed = {v: unpack(GOLDEN, "%s/in_%s" % (name, v.name)) for v in f.arguments}
    assert_close(f.eval(feed), unpack(GOLDEN, "%s/out" % name), "%s output" % name)
    grads = f.grad(feed, wrt=wrt)
    if len(wrt) == 1:
        grads = {wrt[0]: grads}
    for v in wrt:
        assert_close(grads[v], unpack(GOLDEN, "%s/grad_%s" % (name, v.name)), "%s gradient of %s" % (name, v.name))


def test_loads_a_model_saved_by_cntk():
    f = Function.load(GOLDEN["saved/model_bytes"].tobytes())
    node = f.find_by_name("stateful")
    assert isinstance(node.user_function, cases.Stateful)
    state = node.serialize()["state"]
    assert state["scale"] == 1.5 and state["tag"] == "stateful" and state["calls"] == 2
    assert_close(f.eval({f.arguments[0]: GOLDEN["saved/in_x"]}), GOLDEN["saved/out"], "loaded model output")


class Recorder(UserFunction):
    """Identity that records what its forward and backward receive."""

    def __init__(self, arg, name="rec", **kwargs):
        super(Recorder, self).__init__([arg], name=name, **kwargs)
        self.seen = []

    def infer_outputs(self):
        x = self.inputs[0]
        return [C.output_variable(x.shape, x.dtype, x.dynamic_axes)]

    def forward(self, argument, device=None, outputs_to_retain=None):
        self.seen.append(("forward", argument, outputs_to_retain))
        return "state", argument

    def backward(self, state, root_gradients):
        self.seen.append(("backward", state, root_gradients))
        return root_gradients


def test_argument_layouts():
    x = C.sequence.input_variable(2, needs_gradient=True)
    rec = Recorder(x)
    f = C.user_function(rec)
    data = [np.ones((3, 2), np.float32), 2 * np.ones((1, 2), np.float32)]
    out = f.eval({x: data})
    kind, argument, retain = rec.seen[-1]
    assert isinstance(argument, list) and [a.shape for a in argument] == [(3, 2), (1, 2)]
    assert retain == []
    assert [o.shape for o in out] == [(3, 2), (1, 2)]
    f.grad({x: data}, wrt=[x])
    assert rec.seen[-2][2] == [f.output]
    kind, state, root = rec.seen[-1]
    assert kind == "backward" and state == "state" and [r.shape for r in root] == [(3, 2), (1, 2)]

    y = C.input_variable(3)
    rec = Recorder(y)
    C.user_function(rec).eval({y: np.zeros((4, 3), np.float32)})
    assert rec.seen[-1][1].shape == (4, 3)


def test_as_numpy_false_gives_values():
    y = C.input_variable(3)
    rec = Recorder(y, as_numpy=False)
    out = C.user_function(rec).eval({y: np.arange(6, dtype=np.float32).reshape(2, 3)})
    assert isinstance(rec.seen[-1][1], C.NDArrayView) and rec.seen[-1][1].shape == (2, 3)
    np.testing.assert_array_equal(out, np.arange(6).reshape(2, 3))


def test_output_without_gradient_skips_backward():
    class NoGrad(Recorder):
        def infer_outputs(self):
            x = self.inputs[0]
            return [C.output_variable(x.shape, x.dtype, x.dynamic_axes, needs_gradient=False)]

    x = C.input_variable(2, needs_gradient=True)
    rec = NoGrad(x)
    g = C.user_function(rec).grad({x: np.ones((1, 2), np.float32)}, wrt=[x])
    np.testing.assert_array_equal(g, np.zeros((1, 2)))
    assert [k for k, _, _ in rec.seen] == ["forward"]


def test_training_matches_builtin_sigmoid():
    def train(activation):
        x = C.input_variable(2)
        label = C.input_variable(2)
        w1 = C.parameter((2, 5), init=cases._data(11, (2, 5)))
        w2 = C.parameter((5, 2), init=cases._data(12, (5, 2)))
        h = activation(C.times(x, w1))
        z = C.times(C.user_function(h) if isinstance(h, UserFunction) else h, w2)
        loss = C.cross_entropy_with_softmax(z, label)
        trainer = C.Trainer(z, (loss, C.classification_error(z, label)),
                            [C.sgd(z.parameters, C.learning_parameter_schedule(0.5))])
        rng = np.random.RandomState(0)
        for _ in range(5):
            features = rng.randn(4, 2).astype(np.float32)
            labels = np.eye(2, dtype=np.float32)[rng.randint(0, 2, 4)]
            trainer.train_minibatch({x: features, label: labels})
        return [p.value for p in (w1, w2)]

    for a, b in zip(train(C.sigmoid), train(cases.MySigmoid)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_clone_makes_a_new_instance():
    x = C.input_variable(2)
    u = cases.Stateful(x, 2.0)
    f = C.user_function(u) + 1
    g = f.clone("share")
    data = np.ones((1, 2), np.float32)
    np.testing.assert_allclose(g.eval({g.arguments[0]: data}), 3 * data)
    copies = [fn for fn in C.logging.graph.depth_first_search(g, lambda n: getattr(n, "op_name", "") == "UserFunction")]
    assert len(copies) == 1 and copies[0].user_function is not u and u.calls == 0


def test_placeholder_then_bound():
    pl = C.placeholder()
    f = C.user_function(cases.MySigmoid(pl)) * 2
    x = C.input_variable(3)
    f.replace_placeholders({pl: x})
    assert f.shape == (3,)
    np.testing.assert_allclose(f.eval({x: np.zeros((1, 3), np.float32)}), np.ones((1, 3)))


def test_infer_outputs_error_is_runtime_error():
    class Faulty(Recorder):
        def infer_outputs(self):
            raise KeyError("boom")

    with pytest.raises(RuntimeError, match="infer_outputs"):
        C.user_function(Faulty(C.input_variable(2)))


def test_save_load_roundtrip(tmp_path):
    x = C.input_variable(2, name="x")
    u = cases.Stateful(x, -2.0, name="st")
    f = C.user_function(u) + 1
    data = np.arange(4, dtype=np.float32).reshape(2, 2)
    expected = f.eval({x: data})
    path = str(tmp_path / "udf.model")
    f.save(path)
    g = Function.load(path)
    assert g.find_by_name("st").serialize()["state"] == {"scale": -2.0, "calls": 1, "tag": "stateful"}
    np.testing.assert_allclose(g.eval({g.arguments[0]: data}), expected)


def test_load_never_imports_an_unknown_class(tmp_path):
    from cntk._serialization.errors import ModelFileError
    from cntk._serialization.model_io import decode_model
    from cntk._serialization.values import encode_dictionary
    x = C.input_variable(2)
    f = C.user_function(cases.Stateful(x, 1.0)) + 1
    path = str(tmp_path / "udf.model")
    f.save(path)
    with open(path, "rb") as fh:
        model = decode_model(fh.read(), path)
    record = next(r for r in model["primitive_functions"] if r.get("type") == "UserDefinedFunction")
    record["user_defined_state"]["module"] = "os"
    record["user_defined_state"]["class"] = "NotAUserFunction"
    with pytest.raises(ModelFileError, match="os.NotAUserFunction.*never imports"):
        Function.load(encode_dictionary(model))


def test_deserialize_callback_replaces_the_class(tmp_path):
    x = C.input_variable(2)
    f = C.user_function(cases.Stateful(x, 3.0))
    path = str(tmp_path / "udf.model")
    f.save(path)
    op_name = "make_udf_golden.Stateful"
    calls = []

    def factory(inputs, name, state):
        calls.append(state["scale"])
        return cases.Stateful(inputs[0], 10 * state["scale"], name)

    from cntk._graph import user_function as registry
    Function.register_udf_deserialize_callback(op_name, factory)
    try:
        g = Function.load(path)
        np.testing.assert_allclose(g.eval({g.arguments[0]: np.ones((1, 2), np.float32)}), 30 * np.ones((1, 2)))
        assert calls == [3.0]
        with pytest.raises(ValueError):
            Function.register_udf_deserialize_callback(op_name, factory)
    finally:
        registry._DESERIALIZE_CALLBACKS.pop(op_name, None)


class PlainSgd(C.learners.UserLearner):
    """SGD written as a UserLearner: p -= lr / samples * gradient (of the summed loss)."""

    def update(self, gradient_values, training_sample_count, sweep_end):
        eta = self.learning_rate() / training_sample_count
        for p, g in gradient_values.items():
            assert isinstance(g, np.ndarray)
            p.value = p.value - eta * g
        return True


def test_user_learner_matches_sgd():
    def train(make_learner):
        x = C.input_variable(3)
        label = C.input_variable(2)
        z = C.layers.Dense(2, init=C.glorot_uniform(seed=1))(x)
        loss = C.cross_entropy_with_softmax(z, label)
        trainer = C.Trainer(z, (loss, None), [make_learner(z.parameters, C.learning_parameter_schedule(0.25))])
        rng = np.random.RandomState(3)
        for _ in range(4):
            trainer.train_minibatch({x: rng.randn(5, 3).astype(np.float32),
                                     label: np.eye(2, dtype=np.float32)[rng.randint(0, 2, 5)]})
        return sorted((p.value for p in z.parameters), key=lambda a: a.shape)

    for a, b in zip(train(lambda ps, lr: C.sgd(ps, lr, minibatch_size=0)), train(PlainSgd)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
