"""cntk.layers behaviour that the golden comparison does not cover: unbound shapes, defaults,
initialisation limits, errors, training-mode Dropout/BatchNormalization, typing, documented values."""
import warnings

import numpy as np
import pytest

import cntk as C
from cntk.layers import (LSTM, GRU, BatchNormalization, Dense, Dropout, Embedding, Fold, ForwardDeclaration, Label,
                         Recurrence, RNNStep, RNNUnit, Sequential, Signature, UnfoldFrom, default_options)
from cntk.layers.typing import Sequence, SequenceOver, SparseTensor, Tensor


def test_unbound_dense_has_inferred_input_dim():
    d = Dense(5)
    assert d.W.shape == (-1, 5) and d.b.shape == (5,)
    d(C.input_variable(3))
    assert d.W.shape == (3, 5)


def test_module_map():
    import cntk.layers.blocks, cntk.layers.layers, cntk.layers.higher_order_layers  # noqa: F401
    import cntk.layers.models.attention, cntk.layers.typing, cntk.layers.sequence  # noqa: F401
    assert C.layers.sequence.last is C.sequence.last
    assert C.layers.models.attention.AttentionModel is C.layers.AttentionModel


def test_named_layers_are_findable():
    x = C.sequence.input_variable(7)
    z = Sequential([Embedding(4, name='embed'), Recurrence(LSTM(3)), Dense(2, name='classify')])(x)
    assert z.embed.E.shape == (7, 4)
    assert z.classify.b.value.shape == (2,)
    assert z.embed.op_name == 'Embedding' and z.embed.is_block


def test_glorot_limits_use_packed_width():
    x = C.sequence.input_variable(30)
    r = Recurrence(LSTM(50))(x)
    W = [p for p in r.parameters if p.name == 'W'][0].value
    H = [p for p in r.parameters if p.name == 'H'][0].value
    assert W.shape == (30, 200) and np.abs(W).max() <= np.sqrt(6 / 230) + 1e-6
    assert np.abs(W).max() > 0.8 * np.sqrt(6 / 230)
    assert np.abs(H).max() <= np.sqrt(6 / 250) + 1e-6


def test_default_options_for_only_targets_given_factories():
    with C.default_options_for(Dense, init=0.25):
        d = Dense(2)
        l = LSTM(2)
    d(C.input_variable(3))
    assert np.all(d.W.value == 0.25)
    assert not np.all(l.H.value == 0.25)


def test_explicit_argument_beats_default_options():
    with default_options(activation=C.relu):
        d = Dense(2, activation=None, init=-1.0)
    y = d(C.input_variable(1))
    assert np.allclose(y.eval(np.ones((1, 1), np.float32)), -1.0)


def test_lstm_default_initial_state_applies_to_h_and_c():
    with default_options(initial_state=0.1):
        r = Recurrence(LSTM(2, init=0.0), return_full_state=True)
    x = C.sequence.input_variable(1)
    h, c = r(x)([np.zeros((1, 1), np.float32)])
    # all-zero weights: gates 0.5, c = 0.5*0.1 + 0.5*tanh(0) = 0.05
    assert np.allclose(c[0], 0.05) and np.allclose(h[0], 0.5 * np.tanh(0.05))


def test_rnnunit_is_deprecated_alias():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        u = RNNUnit(3)
    assert any(issubclass(i.category, DeprecationWarning) for i in w)
    assert u.op_name == 'RNNStep'


def test_cell_signatures():
    assert len(LSTM(3).arguments) == 3 and len(LSTM(3).outputs) == 2
    assert len(GRU(3).arguments) == 2 and len(RNNStep(3).arguments) == 2


def test_dropout_arguments():
    with pytest.raises(ValueError):
        Dropout()
    with pytest.raises(ValueError):
        Dropout(0.5, keep_prob=0.5)
    with pytest.raises(ValueError):
        Embedding(3, weights=np.zeros((2, 3)))


def test_dropout_is_active_in_training_forward_only():
    x = C.input_variable(1000)
    y = Dropout(0.5, seed=1)(x)
    data = np.ones((2, 1000), np.float32)
    assert np.all(y.eval(data) == 1.0)
    _, res = y.forward({x: data}, outputs=[y.output], keep_for_backward={y.output})
    v = res[y.output]
    assert set(np.unique(v)) <= {0.0, 2.0} and 0.3 < (v == 0).mean() < 0.7


def test_batch_normalization_ignores_padding():
    x = C.sequence.input_variable(1)
    bn = BatchNormalization(normalization_time_constant=0)
    y = bn(x)
    data = [np.array([[1.], [3.], [5.]], np.float32), np.array([[7.]], np.float32)]
    _, res = y.forward({x: data}, outputs=[y.output], keep_for_backward={y.output})
    mean = [c for c in y.constants if c.name == 'aggregate_mean'][0]
    var = [c for c in y.constants if c.name == 'aggregate_variance'][0]
    assert np.allclose(mean.value, 4.0)                        # (1+3+5+7)/4, padding not counted
    assert np.allclose(var.value, np.var([1, 3, 5, 7], ddof=1))
    out = np.concatenate(res[y.output])
    assert np.allclose(out.ravel(), (np.array([1, 3, 5, 7]) - 4) / np.sqrt(5 + 1e-5), atol=1e-5)


def test_documented_recurrence_values():
    x = C.sequence.input_variable(1)
    data = [np.array([1, 2, 3, 4], np.float32).reshape(4, 1), np.array([5, 6], np.float32).reshape(2, 1)]
    cs = Recurrence(lambda h, x: h + x)(x)(data)
    assert [a.ravel().tolist() for a in cs] == [[1, 3, 6, 10], [5, 11]]
    back = Recurrence(lambda h, x: h + x, go_backwards=True)(x)(data)
    assert [a.ravel().tolist() for a in back] == [[10, 9, 7, 4], [11, 6]]
    assert Fold(lambda h, x: h + x)(x)(data).ravel().tolist() == [10, 11]
    assert Fold(lambda h, x: h + x, go_backwards=True)(x)(data).ravel().tolist() == [10, 11]
    d = C.layers.Delay(T=-1)(x)([np.array([0, 3, 6], np.float32).reshape(3, 1)])
    assert d[0].ravel().tolist() == [3, 6, 0]


def test_unfold_from_with_predicate_documented_values():
    rot = np.roll(np.eye(3, dtype=np.float32), 1, axis=1)   # one-hot class k -> k+1
    gen = C.layers.Dense(3, init=rot, bias=False)
    s = C.input_variable(3)
    like = C.sequence.input_variable(1)
    start = np.array([[1, 0, 0], [1, 0, 0]], np.float32)
    lengths = [np.zeros((4, 1), np.float32), np.zeros((2, 1), np.float32)]
    plain = UnfoldFrom(gen)(s, like).eval({s: start, like: lengths})
    assert [np.argmax(a, axis=1).tolist() for a in plain] == [[1, 2, 0, 1], [1, 2]]
    stop = UnfoldFrom(gen, until_predicate=lambda w: w[..., 2])(s, like).eval({s: start, like: lengths})
    assert [np.argmax(a, axis=1).tolist() for a in stop] == [[1, 2], [1, 2]]


def test_forward_declaration_loop():
    x = C.sequence.input_variable(1)
    fwd = ForwardDeclaration()
    h = C.sequence.past_value(fwd, initial_state=10.0) + x
    fwd.resolve_to(h)
    out = h.eval({x: [np.array([[1], [2]], np.float32)]})
    assert out[0].ravel().tolist() == [11, 13]


def test_signature_and_typing():
    @C.Function
    @Signature(Sequence[Tensor[3]], y=Tensor[2])
    def f(x, y):
        return C.sequence.last(x) * 1.0, y * 2.0

    assert f.arguments[0].shape == (3,) and f.arguments[0].has_sequence_axis()
    assert f.arguments[1].shape == (2,) and not f.arguments[1].has_sequence_axis()
    ax = C.Axis('inputAxis')
    t = SequenceOver[ax][SparseTensor[5]]
    v = t._make_variable('q')
    assert v.is_sparse and v.sequence_axis.name == 'inputAxis'
    m = Dense(2)
    m.update_signature(Sequence[Tensor[4]])
    assert m.W.shape == (4, 2)


def test_label_and_attention_weights_are_reachable():
    enc = C.sequence.input_variable(3, sequence_axis=C.Axis('inAxis'))
    dec = C.sequence.input_variable(2)
    att = C.layers.AttentionModel(4, name='attention_model')(enc, dec)
    w = att.find_by_name('attention_weights')
    assert w is not None
    q = C.combine([att.output, w.output if hasattr(w, 'output') else w])
    enc_d = [np.ones((3, 3), np.float32), np.ones((1, 3), np.float32)]
    dec_d = [np.ones((2, 2), np.float32), np.ones((1, 2), np.float32)]
    ctx, weights = q(enc_d, dec_d) if len(q.arguments) == 2 and q.arguments[0] is enc else q(dec_d, enc_d)[::-1]
    assert np.allclose(weights[1][0][1:], 0.0)   # padding steps of the short encoder sequence get no weight
    assert np.allclose(np.asarray(weights[0]).sum(axis=1), 1.0)


def test_seed_model_structure_and_eval():
    with default_options(initial_state=0.1):
        model = Sequential([Recurrence(LSTM(15)), Dropout(0.2), Fold(LSTM(15)), Dense(1)])
    x = C.sequence.input_variable(1)
    z = model(x)
    assert [p.name for p in z.parameters] == ['W', 'b', 'b', 'W', 'H', 'b', 'W', 'H']
    assert z.shape == (1,) and not z.output.has_sequence_axis()
    out = z.eval({x: np.zeros((3, 5, 1), np.float32)})
    assert out.shape == (3, 1)
    assert np.allclose(out, out[0])
