"""Fused recurrent engines: every stock cell configuration takes the engine it should (a slow
fallback must not go unnoticed), and the fused and generic loops agree in values and gradients
on ragged batches, forward and backward, in float32 and float64, and through a Trainer."""
import numpy as np
import pytest
import torch

import cntk as C
from cntk._exec import fused
from cntk._exec.fused import step as fused_step
from cntk._graph.function import _executor

L = C.layers
LENGTHS = [5, 2, 7, 1, 4]


def _lambda_step(h, x):
    return h * 0.5 + x


# name, model factory (on an input of dim 3), expected loop engines
CONFIGS = [
    ("lstm", lambda: L.Recurrence(L.LSTM(4)), ["torch.lstm"]),
    ("lstm_back", lambda: L.Recurrence(L.LSTM(4), go_backwards=True), ["torch.lstm"]),
    ("lstm_stab", lambda: L.Recurrence(L.LSTM(4, enable_self_stabilization=True)), ["torch.lstm"]),
    ("lstm_proj", lambda: L.Recurrence(L.LSTM(4, cell_shape=6)), ["torch.lstm"]),
    ("lstm_init", lambda: L.Recurrence(L.LSTM(3), initial_state=(0.1, -0.2)), ["torch.lstm"]),
    ("fold_lstm", lambda: L.Fold(L.LSTM(4)), ["torch.lstm"]),
    ("fold_lstm_back", lambda: L.Fold(L.LSTM(4), go_backwards=True), ["torch.lstm"]),
    ("fold_full_state", lambda: L.Fold(L.LSTM(3), return_full_state=True), ["torch.lstm"]),
    ("lstm_full_state", lambda: L.Recurrence(L.LSTM(3), return_full_state=True), ["scan.lstm"]),
    ("lstm_peep", lambda: L.Recurrence(L.LSTM(4, use_peepholes=True)), ["scan.lstm"]),
    ("lstm_all", lambda: L.Recurrence(L.LSTM(4, cell_shape=5, use_peepholes=True, enable_self_stabilization=True),
                                      go_backwards=True), ["scan.lstm"]),
    ("lstm_relu", lambda: L.Recurrence(L.LSTM(3, activation=C.relu)), ["scan.lstm"]),
    ("lstm_sigmoid_fold", lambda: L.Fold(L.LSTM(3, activation=C.sigmoid)), ["scan.lstm"]),
    ("gru", lambda: L.Recurrence(L.GRU(4)), ["scan.gru"]),
    ("gru_back_init", lambda: L.Recurrence(L.GRU(3), go_backwards=True, initial_state=0.3), ["scan.gru"]),
    ("gru_stab", lambda: L.Recurrence(L.GRU(3, enable_self_stabilization=True)), ["scan.gru"]),
    ("fold_gru_back", lambda: L.Fold(L.GRU(3), go_backwards=True), ["scan.gru"]),
    ("rnn_sigmoid", lambda: L.Recurrence(L.RNNStep(4)), ["scan.rnn"]),
    ("rnn_tanh", lambda: L.Recurrence(L.RNNStep(3, activation=C.tanh)), ["torch.rnn"]),
    ("rnn_relu_back_stab", lambda: L.Recurrence(L.RNNStep(3, activation=C.relu, enable_self_stabilization=True),
                                                go_backwards=True), ["torch.rnn"]),
    ("w2_dropout_between", lambda: L.Sequential([L.Recurrence(L.LSTM(5)), L.Dropout(0.2), L.Fold(L.LSTM(5)),
                                                 L.Dense(1)]), ["torch.lstm", "torch.lstm"]),
    ("stacked_lstm", lambda: L.Sequential([L.Recurrence(L.LSTM(4)), L.Recurrence(L.LSTM(4)), L.Fold(L.LSTM(4))]),
     ["torch.lstm"]),
    ("lstm_dense", lambda: L.Sequential([L.Recurrence(L.LSTM(4)), L.Dense(3)]), ["torch.lstm"]),
    ("gru_dense_relu", lambda: L.Sequential([L.Recurrence(L.GRU(3), go_backwards=True), L.Dense(2, activation=C.relu)]),
     ["scan.gru"]),
    ("stacked_backward_init", lambda: L.Sequential([L.Recurrence(L.LSTM(3), go_backwards=True, initial_state=0.2),
                                                    L.Recurrence(L.LSTM(3), go_backwards=True)]), ["torch.lstm"]),
    ("not_stacked_sizes", lambda: L.Sequential([L.Recurrence(L.LSTM(4)), L.Recurrence(L.LSTM(3))]),
     ["torch.lstm", "torch.lstm"]),
    ("not_stacked_directions", lambda: L.Sequential([L.Recurrence(L.LSTM(3)), L.Recurrence(L.LSTM(3), go_backwards=True)]),
     ["torch.lstm", "torch.lstm"]),
    ("bidirectional", lambda: L.Sequential([(L.Recurrence(L.GRU(2)), L.Recurrence(L.GRU(2), go_backwards=True)),
                                            C.splice]), ["scan.gru", "scan.gru"]),
    ("lambda_step", lambda: L.Recurrence(_lambda_step), ["generic"]),
    ("custom_activation", lambda: L.Recurrence(L.LSTM(3, activation=lambda v: C.tanh(v) * 0.5)), ["generic"]),
]
IDS = [c[0] for c in CONFIGS]


def _model(factory, dim=3, dtype=np.float32, seed=0):
    x = C.sequence.input_variable(dim, dtype=dtype)
    model = factory()(x)
    rng = np.random.RandomState(seed)
    for p in model.parameters:
        p.value = rng.uniform(-0.6, 0.6, p.shape).astype(dtype)
    return x, model


def _data(dim=3, dtype=np.float32, lengths=LENGTHS, seed=1):
    rng = np.random.RandomState(seed)
    return [rng.standard_normal((n, dim)).astype(dtype) for n in lengths]


def _engines(model):
    return _executor.plan_for(model, model.outputs).loop_engines()


@pytest.mark.parametrize("name,factory,expected", CONFIGS, ids=IDS)
def test_each_stock_configuration_takes_its_engine(name, factory, expected):
    _, model = _model(factory)
    assert _engines(model) == expected
    with fused.generic_loops():
        assert set(_engines(model)) == {"generic"}


def _loss(model):
    """A scalar criterion touching every output (sequence outputs summed over their steps)."""
    terms = []
    for k, o in enumerate(model.outputs):
        v = C.sequence.reduce_sum(o) if o.dynamic_axes and len(o.dynamic_axes) == 2 else o
        terms.append(C.reduce_sum(C.sin(v * (1.0 + 0.3 * k))))
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


def _flat(value):
    if isinstance(value, dict):
        return [a for k in sorted(value, key=lambda o: o.uid) for a in _flat(value[k])]
    if isinstance(value, list):
        return [np.asarray(a) for a in value]
    return [np.asarray(value)]


def _close(a, b, what, tol):
    for u, v in zip(_flat(a), _flat(b)):
        scale = max(1.0, float(np.abs(v).max()) if v.size else 1.0)
        np.testing.assert_allclose(u, v, rtol=tol, atol=tol * scale, err_msg=what)


def _same_dropout_masks(loss):
    """Restart every dropout node's random stream, so that two gradient passes (training passes,
    dropout active) draw the same masks."""
    for node in C.logging.graph.depth_first_search(loss, lambda f: getattr(f, "op_name", "") == "Dropout", depth=-1):
        node.__dict__["_generator"] = torch.Generator().manual_seed(7)


def _both_paths(model, x, data, wrt):
    loss = _loss(model)
    results = []
    for generic in (False, True):
        with fused.generic_loops() if generic else _nullcontext():
            outs = model.eval({x: data}, outputs=model.outputs)
            _same_dropout_masks(loss)
            grads = loss.grad({x: data}, wrt=wrt)
            results.append((outs, grads if len(wrt) > 1 else {wrt[0]: grads}))
    return results


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("ragged_training", ["scan", "compiled"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name,factory,expected", CONFIGS, ids=IDS)
def test_fused_and_generic_agree_on_ragged_batches(name, factory, expected, dtype, ragged_training, monkeypatch):
    """Both ways of training on a ragged batch: the scan that `engine_for` picks on the CPU, and the
    engine the plan was compiled for."""
    if ragged_training == "compiled":
        monkeypatch.setattr(fused_step, "RAGGED_CPU_TRAINING", {})
    x, model = _model(factory, dtype=dtype)
    data = _data(dtype=dtype)
    wrt = list(model.parameters) + [x]
    (out_f, grad_f), (out_g, grad_g) = _both_paths(model, x, data, wrt)
    tol = 1e-5 if dtype == np.float32 else 1e-6  # float64 graphs keep some float32 parameters
    _close(out_f, out_g, "%s outputs" % name, tol)
    for v in wrt:
        _close(grad_f[v], grad_g[v], "%s gradient of %s" % (name, v.name or v.uid), tol)


@pytest.mark.parametrize("lengths", [[6, 6, 6], [1], [3, 9, 9, 1]], ids=["equal", "single", "ties"])
def test_layouts_dense_and_ragged_agree(lengths):
    x, model = _model(lambda: L.Sequential([L.Recurrence(L.GRU(3), go_backwards=True), L.Fold(L.LSTM(2))]))
    data = _data(lengths=lengths)
    wrt = list(model.parameters) + [x]
    (out_f, grad_f), (out_g, grad_g) = _both_paths(model, x, data, wrt)
    _close(out_f, out_g, "outputs", 1e-5)
    for v in wrt:
        _close(grad_f[v], grad_g[v], "gradient of %s" % (v.name or v.uid), 1e-5)


def _loops(fn):
    return [s for s in _executor.plan_for(fn, fn.outputs).steps if isinstance(s, fused_step.FusedLoop)]


@pytest.mark.parametrize("factory,compiled,ragged_training", [
    (lambda: L.Fold(L.LSTM(4)), "torch.lstm", "scan.lstm"),
    (lambda: L.Sequential([L.Recurrence(L.LSTM(4)), L.Fold(L.LSTM(4))]), "torch.lstm", "scan.lstm"),
    (lambda: L.Recurrence(L.RNNStep(3, activation=C.tanh)), "torch.rnn", "scan.rnn"),
    (lambda: L.Recurrence(L.GRU(3)), "scan.gru", "scan.gru"),
], ids=["lstm", "stacked_lstm", "rnn_tanh", "gru"])
def test_training_on_ragged_cpu_batches_takes_the_scan(factory, compiled, ragged_training):
    """torch's packed CPU kernels are slow to differentiate when batch sizes vary: a training pass
    over a ragged batch runs the scan; equal lengths and evaluation keep torch's kernels."""
    x, model = _model(factory)
    loss = _loss(model)
    [loop] = _loops(loss)
    assert loop.engine == compiled
    loss.grad({x: _data()}, wrt=list(model.parameters))
    assert loop.last_engine == ragged_training
    loss.grad({x: _data(lengths=[4, 4, 4])}, wrt=list(model.parameters))
    assert loop.last_engine == compiled
    loss.eval({x: _data()})
    assert loop.last_engine == compiled


@pytest.mark.parametrize("factory,lengths,batch_first", [
    (lambda: L.Fold(L.LSTM(4)), [5, 5, 5], True),
    (lambda: L.Recurrence(L.RNNStep(3, activation=C.tanh)), [4, 4], True),
    (lambda: L.Fold(L.LSTM(4), go_backwards=True), [5, 5, 5], False),
    (lambda: L.Fold(L.LSTM(4)), [5, 2, 5], False),
    (lambda: L.Recurrence(L.GRU(3)), [4, 4], False),
], ids=["lstm", "rnn_tanh", "backward", "ragged", "gru_scan"])
def test_equal_length_forward_batches_reach_torch_unpacked(factory, lengths, batch_first, monkeypatch):
    """torch's own kernels take equal-length forward batches padded and batch-first (no packing,
    no copies); the results are those of the generic loop."""
    made = []
    original = fused_step.batch_first_layout
    monkeypatch.setattr(fused_step, "batch_first_layout", lambda *a: made.append(a) or original(*a))
    x, model = _model(factory)
    data = _data(lengths=lengths)
    wrt = list(model.parameters) + [x]
    (out_f, grad_f), (out_g, grad_g) = _both_paths(model, x, data, wrt)
    assert bool(made) == batch_first
    _close(out_f, out_g, "outputs", 1e-5)
    for v in wrt:
        _close(grad_f[v], grad_g[v], "gradient of %s" % (v.name or v.uid), 1e-5)


def test_a_dense_layer_reads_the_recurrence_packed():
    """A recurrence's output sequence that only Dense layers read is handed to them packed (the
    product runs over the real steps); one that is also an output, or read elsewhere, is padded."""
    x, model = _model(lambda: L.Sequential([L.Recurrence(L.LSTM(4)), L.Dense(3)]))
    [loop] = _loops(model)
    assert loop.packed_only == {id(loop.sequences[0])}
    h = L.Recurrence(L.LSTM(4))(x)
    both = C.combine([h, L.Dense(3)(h)])
    [loop] = _loops(both)
    assert loop.packed_only == set()
    summed = L.Dense(4)(h) + h
    [loop] = _loops(summed)
    assert loop.packed_only == set()


def test_fold_computes_only_the_final_state():
    """The input projection is computed inside the engine, the last step is the engine's final state,
    and the Dense layer after it is one Affine step."""
    _, model = _model(lambda: L.Sequential([L.Fold(L.LSTM(4)), L.Dense(2)]))
    plan = _executor.plan_for(model, model.outputs)
    assert [type(s).__name__ for s in plan.steps] == ["FusedLoop", "Affine"]
    loop = plan.steps[0]
    assert loop.sequences == [None, None] and len(loop.finals[0]) == 1


def test_stacked_layers_become_one_multi_layer_call():
    _, model = _model(lambda: L.Sequential([L.Recurrence(L.LSTM(4)), L.Recurrence(L.LSTM(4)), L.Fold(L.LSTM(4))]))
    loops = [s for s in _executor.plan_for(model, model.outputs).steps if not hasattr(s, "node")]
    assert len(loops) == 1 and len(loops[0].layers) == 3


def test_initial_state_from_another_recurrence():
    """RecurrenceFrom: per-sequence initial states (an encoder's final states) feed the fused decoder."""
    enc = C.sequence.input_variable(3, sequence_axis=C.Axis("enc"))
    dec = C.sequence.input_variable(3)
    h, c = L.Fold(L.LSTM(4), return_full_state=True)(enc).outputs
    model = L.RecurrenceFrom(L.LSTM(4))(h, c, dec)
    rng = np.random.RandomState(3)
    for p in model.parameters:
        p.value = rng.uniform(-0.6, 0.6, p.shape).astype(np.float32)
    assert _engines(model) == ["torch.lstm", "torch.lstm"]
    feed = {enc: _data(lengths=[4, 2, 3]), dec: _data(lengths=[2, 5, 1], seed=4)}
    loss = _loss(model)
    wrt = list(model.parameters)
    fused_out, fused_grad = model.eval(feed), loss.grad(feed, wrt=wrt)
    with fused.generic_loops():
        generic_out, generic_grad = model.eval(feed), loss.grad(feed, wrt=wrt)
    _close(fused_out, generic_out, "outputs", 1e-5)
    for p in wrt:
        _close(fused_grad[p], generic_grad[p], p.name, 1e-5)


def test_an_empty_sequence_falls_back_to_the_generic_loop():
    x, model = _model(lambda: L.Recurrence(L.LSTM(3)))
    data = [np.ones((2, 3), np.float32), np.zeros((0, 3), np.float32)]
    out = model.eval({x: data})
    with fused.generic_loops():
        expected = model.eval({x: data})
    assert [o.shape for o in out] == [(2, 3), (0, 3)]
    _close(out, expected, "outputs", 1e-6)


def test_training_with_a_trainer_matches_the_generic_loop():
    def train(generic):
        x, model = _model(lambda: L.Sequential([L.Recurrence(L.GRU(4)), L.Fold(L.LSTM(3)), L.Dense(1)]))
        y = C.input_variable(1)
        loss = C.squared_error(model, y)
        learner = C.adam(model.parameters, lr=C.learning_parameter_schedule(0.01), momentum=C.momentum_schedule(0.9))
        trainer = C.Trainer(model, (loss, loss), [learner])
        rng = np.random.RandomState(7)
        with fused.generic_loops() if generic else _nullcontext():
            for step in range(3):
                data = _data(lengths=list(rng.randint(1, 8, size=6)), seed=step)
                trainer.train_minibatch({x: data, y: rng.standard_normal((6, 1)).astype(np.float32)})
        return [p.value for p in model.parameters]

    for a, b in zip(train(False), train(True)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("learner", ["adam", "momentum_sgd", "sgd"])
def test_evaluation_after_an_update_sees_the_new_weights(learner):
    """Evaluation memoises the engine's prepared weights on the parameters' version counters: every
    learner's update (torch's fused Adam kernel too) must count as a modification."""
    x, model = _model(lambda: L.Sequential([L.Fold(L.LSTM(4)), L.Dense(1)]))
    y = C.input_variable(1)
    loss = C.squared_error(model, y)
    lr = C.learning_parameter_schedule(0.1)
    make = {"adam": lambda: C.adam(model.parameters, lr=lr, momentum=C.momentum_schedule(0.9)),
            "momentum_sgd": lambda: C.momentum_sgd(model.parameters, lr=lr, momentum=C.momentum_schedule(0.9)),
            "sgd": lambda: C.sgd(model.parameters, lr=lr)}[learner]
    trainer = C.Trainer(model, (loss, loss), [make()])
    data = _data(lengths=[4, 4, 4])
    before = model.eval({x: data})
    trainer.train_minibatch({x: data, y: np.ones((3, 1), np.float32)})
    after = model.eval({x: data})
    with fused.generic_loops():
        expected = model.eval({x: data})
    assert np.abs(after - before).max() > 1e-3
    _close(after, expected, "outputs after the update", 1e-5)


def test_models_alternating_keep_their_own_initial_states():
    """torch's engines keep the stacked form of the initial states they were given, by the states'
    identity; two models with different constant initial states, evaluated in turn, must each
    get their own."""
    models = []
    for init in (0.1, 0.7):
        with C.default_options(initial_state=init):
            models.append(_model(lambda: L.Sequential([L.Fold(L.LSTM(4)), L.Dense(1)]), seed=3))
    data = _data(lengths=[5, 5])
    first = [model.eval({x: data}) for x, model in models]
    again = [model.eval({x: data}) for x, model in reversed(models)][::-1]
    with fused.generic_loops():
        expected = [model.eval({x: data}) for x, model in models]
    assert np.abs(first[0] - first[1]).max() > 1e-4
    for k in range(2):
        _close(first[k], expected[k], "model %d" % k, 1e-5)
        _close(again[k], expected[k], "model %d evaluated again" % k, 1e-5)


def test_plans_are_compiled_once_per_output_set(monkeypatch):
    """Minibatch after minibatch, training and evaluation alternating, nothing is recompiled."""
    from cntk._exec import runner
    compiled = []
    original = runner.compile_plan

    def counting(*args, **kwargs):
        compiled.append(args)
        return original(*args, **kwargs)
    monkeypatch.setattr(runner, "compile_plan", counting)
    x, model = _model(lambda: L.Sequential([L.Fold(L.LSTM(4)), L.Dense(1)]))
    y = C.input_variable(1)
    loss = C.squared_error(model, y)
    trainer = C.Trainer(model, (loss, loss), [C.sgd(model.parameters, lr=C.learning_parameter_schedule(0.1))])
    rng = np.random.RandomState(0)
    for step in range(4):
        data = _data(lengths=list(rng.randint(1, 9, size=5)), seed=step)
        trainer.train_minibatch({x: data, y: rng.standard_normal((5, 1)).astype(np.float32)})
        model.eval({x: data})
    assert len(compiled) == 2
