"""Graph-level behaviour where CNTK 2.7 has its own rules: free static dimensions, sequence ops'
axes, delays with a sequence as initial state, cloning, renaming, attributes and outputs.
Every expected value below was observed on CNTK 2.7 (scripts run with the reference interpreter)."""
import numpy as np
import pytest

import cntk as C


# --- FreeDimension: a static axis whose size comes with the data --------------------------------
def test_times_over_a_free_dimension_takes_any_size():
    x = C.input_variable((C.FreeDimension, 2))
    w = C.parameter(init=np.asarray([[2, 5], [1, 3]], dtype=np.float32))
    t = C.times(x, w)
    assert t.shape == (C.FreeDimension, 2)
    g, out = t.grad({x: np.asarray([[0.5, 0.2], [0.1, .6]], np.float32)}, wrt=[w], outputs=[t])
    np.testing.assert_allclose(out, [[[1.2, 3.1], [0.8, 2.3]]], rtol=1e-6)
    np.testing.assert_allclose(g, [[0.6, 0.6], [0.8, 0.8]], rtol=1e-6)
    out = t.eval({x: np.asarray([[0.5, 0.2]], np.float32)})  # same graph, another size
    np.testing.assert_allclose(out, [[[1.2, 3.1]]], rtol=1e-6)


def test_embedding_infers_its_weight_past_leading_free_dimensions():
    x = C.sequence.input_variable((C.FreeDimension, 3))
    e = C.layers.Embedding(2)(x)
    assert (e.shape, e.parameters[0].shape) == ((C.FreeDimension, 2), (3, 2))
    assert e.eval({x: [np.ones((2, 4, 3), np.float32)]})[0].shape == (2, 4, 2)


def test_an_inferred_input_dimension_is_fixed_by_the_weight_and_then_checked():
    x = C.input_variable((C.FreeDimension, -1))
    t = C.times(x, C.parameter(init=np.asarray([[2, 5], [1, 3]], dtype=np.float32)))
    assert x.shape == (C.FreeDimension, 2)
    np.testing.assert_allclose(t.eval({x: np.asarray([[0.5, 0.2]], np.float32)}), [[[1.2, 3.1]]], rtol=1e-6)
    with pytest.raises(ValueError, match=r"\(-3, 2\)"):
        t.eval({x: np.asarray([[0.5, 0.2, 0.9]], np.float32)})


def test_reshape_and_splice_keep_free_and_inferred_dimensions():
    x = C.input_variable((C.FreeDimension, 2, 3))
    assert C.reshape(x, (-1,), 0, 2).shape == (C.FreeDimension, 3)
    assert C.reshape(x, (-1,), 1, 3).shape == (C.FreeDimension, 6)
    y = C.input_variable((C.InferredDimension, C.InferredDimension, 3))
    pad = C.constant(value=0, shape=(3, C.InferredDimension, 3))
    assert C.splice(pad, y, axis=0).shape == (-1, -1, 3)


def test_recurrence_over_a_free_dimension():
    x = C.sequence.input_variable((C.FreeDimension, 2))
    state = C.placeholder()
    wh = C.parameter(init=np.asarray([[2, 5], [1, 3]], dtype=np.float32))
    wx = C.parameter(init=np.asarray([[1, 4], [2, 5]], dtype=np.float32))
    out = C.times(x, wx) + C.times(C.sequence.past_value(state), wh)
    out.replace_placeholders({state: out})
    grads, value = out.grad({x: np.asarray([[0.5, 0.2], [-0.7, 1.2]], np.float32)}, wrt=[wh, wx], outputs=[out])
    np.testing.assert_allclose(value[0], [[[0.9, 3.], [1.7, 3.2]]], rtol=1e-6)
    np.testing.assert_allclose(grads[wx], [[-0.2, -0.2], [1.4, 1.4]], rtol=1e-5)


# --- sequence ops --------------------------------------------------------------------------------
def test_gathers_on_one_condition_share_their_new_axis():
    a, b = C.sequence.input_variable(1), C.sequence.input_variable(1)
    is_last = C.sequence.is_last(a)
    z = C.sequence.gather(a, is_last) + C.sequence.gather(b, is_last)
    np.testing.assert_array_equal(z.eval({a: np.ones((1, 1, 1), np.float32), b: 2 * np.ones((1, 1, 1), np.float32)}),
                                  [[[3.]]])


def test_gather_length_type_names_the_axis_or_removes_it():
    a, b = C.sequence.input_variable(1), C.sequence.input_variable(1)
    a_last = C.sequence.gather(a, C.sequence.is_last(a), new_sequence_axis_typeinfo=(0, 1))
    b_last = C.sequence.gather(b, C.sequence.is_last(b), new_sequence_axis_typeinfo=(0, 1))
    assert len(a_last.dynamic_axes) == 1  # one step per sequence: batch axis only
    z = a_last + b_last
    np.testing.assert_array_equal(z.eval({a: np.array([[[1.], [5.]]], np.float32),
                                          b: np.array([[[2.], [4.]]], np.float32)}), [[9.]])
    twice = C.sequence.gather(a, C.sequence.is_first(a), new_sequence_axis_typeinfo=(2, 1))
    assert twice.dynamic_axes[1].name == "defaultDynamicAxis_times_2_plus_1"


def test_to_sequence_refuses_an_operand_that_already_has_a_sequence_axis():
    with pytest.raises(ValueError, match="already has a sequence axis"):
        C.to_sequence(C.sequence.input_variable((C.FreeDimension, 2)))


def test_broadcast_as_inside_a_recurrence_loop():
    a = C.input_variable(1)
    b = C.sequence.input_variable(1)
    state = C.placeholder()
    out = C.sequence.broadcast_as(a, C.sequence.past_value(state, time_step=5) + b)
    out.replace_placeholder(out)
    res = out.eval({a: [np.array([1.], np.float32), np.array([2.], np.float32)],
                    b: [np.array([[2.]], np.float32), np.array([[2.], [3.]], np.float32)]})
    np.testing.assert_array_equal(res[0], [[1.]])
    np.testing.assert_array_equal(res[1], [[2.], [2.]])


@pytest.mark.parametrize("offset,init_len", [(1, 3), (-1, 2), (2, 3), (-2, 1)])
def test_delay_with_a_sequence_as_initial_state(offset, init_len):
    """A past value takes the last steps of the initial sequence, a future value its first ones;
    a one-step initial sequence broadcasts (CNTK's recurrent_test rule)."""
    x_data = np.arange(2 * 4 * 2, dtype=np.float32).reshape(2, 4, 2)
    init_data = np.arange(2 * init_len * 2, dtype=np.float32).reshape(2, init_len, 2) + 100
    x = C.sequence.input_variable(2)
    init = C.sequence.input_variable(2, sequence_axis=C.Axis('initial_state_axis'))
    delayed = (C.sequence.past_value if offset > 0 else C.sequence.future_value)(x, init, time_step=abs(offset))
    result = np.asarray(delayed.eval({x: x_data, init: init_data}))
    expected = np.roll(x_data, offset, axis=1)
    k = abs(offset)
    for b in range(2):
        if offset > 0:
            expected[b, :k] = init_data[b, -k:] if init_len > 1 else init_data[b, 0]
        else:
            expected[b, -k:] = init_data[b, :k] if init_len > 1 else init_data[b, 0]
    np.testing.assert_array_equal(result, expected)


def test_recurrence_over_an_op_with_a_named_argument():
    """Arguments with defaults (an op's ``name=''``) are not graph arguments of a step function."""
    x = C.sequence.input_variable(2)
    running = C.layers.Recurrence(C.plus)(x)
    np.testing.assert_array_equal(running.eval({x: [np.ones((3, 2), np.float32)]})[0], [[1, 1], [2, 2], [3, 3]])


def test_indexing_a_placeholder_counts_axes_from_the_front():
    @C.Function
    def split(xr):
        return xr[0:-1] * xr[-1]
    x = C.input_variable(3)
    np.testing.assert_allclose(split(x).eval({x: np.array([[1., 2., 3.]], np.float32)}), [[3., 6.]])


# --- cloning, names, attributes, outputs ---------------------------------------------------------
def test_clone_gives_unsubstituted_inputs_and_placeholders_new_identities():
    p = C.placeholder(shape=(1,), name='p')
    i = C.input_variable(1, name='i')
    for method in ('freeze', 'clone', 'share'):
        c = (p + i).clone(method)
        assert [v.name for v in c.inputs] == ['p', 'i']
        assert c.inputs[0].uid != p.uid and c.inputs[1].uid != i.uid
    with pytest.raises(ValueError):
        (p + i).clone(2)


def test_clone_substituting_the_root_returns_the_replacement():
    x = C.input_variable(1)
    block = C.layers.Dense(1, init=1)(x)
    replacement = block + C.parameter((1,), init=3)
    assert block.clone('share', {block: replacement}).root_function.uid == replacement.root_function.uid


def test_clone_substitution_errors():
    x = C.input_variable(())
    y = C.combine(x * x, x + x)
    with pytest.raises(AttributeError, match="None"):
        y.clone(C.CloneMethod.share, {y[0]: None})
    with pytest.raises(TypeError):
        y.clone(C.CloneMethod.share, {y[0]: 5})


def test_a_named_function_keeps_its_name_unless_renaming_is_allowed(monkeypatch):
    from cntk._graph.function import renaming
    monkeypatch.setattr(renaming, "allowed", False)
    x = C.input_variable(1)
    unnamed = x + x
    unnamed.name = 'first'
    with pytest.raises(ValueError, match="allow_renaming_functions"):
        unnamed.name = 'second'
    C.cntk_py.allow_renaming_functions()
    unnamed.name = 'second'
    assert unnamed.name == 'second'


def test_attributes_as_cntk_reports_them():
    d = C.dropout(C.input_variable((1, 5, 5)), 0.5, 42)
    assert d.root_function.attributes == {'dropoutRate': 0.5, 'rngSeed': 42, 'rngOffset': 0}
    x = C.input_variable((2, 3))
    assert C.slice(x, 0, 1, 2).root_function.attributes == \
        {'endIndex': 2, 'beginIndex': 1, 'axis': ('ordered', 'static', 1), 'sliceStrides': 1}
    assert C.slice(x, [0, 1], [1, 0], [2, 2], [-1, 1]).root_function.attributes == \
        {'endIndexVec': [2, 2], 'beginIndexVec': [1, 0], 'sliceStridesVec': [-1, 1],
         'axisVec': [('ordered', 'static', 1), ('ordered', 'static', 0)]}
    kernel = C.constant(np.reshape(np.array([2, -1, -1, 2], dtype=np.float32), (1, 2, 2)))
    conv = C.convolution(kernel, C.input_variable((1, 5, 5)), auto_padding=[False, True])
    assert conv.root_function.attributes == {
        'autoPadding': [False, False, True], 'sharing': [True, True, True], 'groups': 1, 'strides': (1, 1, 1),
        'dilation': (1, 1, 1), 'maxTempMemSizeInSamples': 0, 'upperPad': (0, 0, 0), 'lowerPad': (0, 0, 0),
        'transpose': False, 'outputShape': (0,), 'kernelShape': (1, 2, 2), 'sequential': False}


def test_set_attribute():
    d = C.dropout(C.input_variable(1), dropout_rate=0.3, seed=5)
    assert (d.attributes['dropoutRate'], d.attributes['rngSeed']) == (0.3, 5)
    d.set_attribute('dropoutRate', 0.4)
    assert d.root_function.attributes['dropoutRate'] == 0.4
    with pytest.raises(ValueError, match="no settable attribute"):
        d.set_attribute('axis', 1)


def test_dropout_seeds_follow_the_global_seed():
    C.cntk_py.set_fixed_random_seed(456)
    try:
        seeds = [C.dropout(C.input_variable(1), 0.5).attributes['rngSeed'] for _ in range(2)]
    finally:
        C.cntk_py.reset_random_seed(0)
    assert seeds == [456, 456]


def test_custom_attributes_survive_a_save(tmp_path):
    root = 0 + C.input_variable(())
    assert root.custom_attributes == {}
    root.custom_attributes = {'test': 'abc', 'dict': {'a': 1, 'b': 2}, 'list': [1, 2, 3]}
    root.custom_attributes['test2'] = 'def'
    root.save(str(tmp_path / 'm.model'))
    assert C.load_model(str(tmp_path / 'm.model')).custom_attributes == \
        {'test': 'abc', 'dict': {'a': 1, 'b': 2}, 'list': [1, 2, 3], 'test2': 'def'}


def test_eval_outputs_accepts_variables_and_functions_and_checks_the_graph():
    x = C.input_variable(1)
    a = C.alias(x + 1, name='a')
    b = a + 2
    for outputs in (a.outputs, list(a.outputs), a.output, a):
        np.testing.assert_array_equal(b.eval({x: [[1], [2]]}, outputs=outputs), [[2], [3]])
    with pytest.raises(TypeError):
        b.eval({x: [[1]]}, outputs=[a.outputs])
    with pytest.raises(ValueError, match="not part of the graph"):
        (x * x).forward({x: [[1]]}, (x + 2).outputs)


def test_data_type_enum_and_unknown_dtype():
    p = C.parameter((C.InferredDimension, 1), dtype=C.cntk_py.DataType_Unknown)
    assert p.get_data_type() == C.cntk_py.DataType_Unknown
    C.times(C.input_variable(1, dtype=np.float64), p)
    assert p.dtype == np.float64 and p.get_data_type() == C.cntk_py.DataType_Double
    assert C.input_variable(1, dtype=C.cntk_py.DataType_Float).dtype == np.float32


def test_input_without_dynamic_axes_binds_one_tensor():
    x = C.input_variable(dynamic_axes=[], shape=(3, 3), needs_gradient=True)
    y = C.gather(x, C.constant(np.array([0., 2.], np.float32)))
    data = np.arange(9, dtype=np.float32).reshape(3, 3)
    np.testing.assert_array_equal(y.eval({x: data}), data[[0, 2]])
    np.testing.assert_array_equal(y.grad({x: data}, wrt=[x]), [[1, 1, 1], [0, 0, 0], [1, 1, 1]])


def test_gradients_as_values():
    x = C.input_variable(2)
    w = C.parameter((2,), init=1.0)
    g = C.reduce_sum(x * w).grad({x: np.ones((1, 2), np.float32)}, wrt=[w], as_numpy=False)
    np.testing.assert_array_equal(g.asarray(), [1., 1.])


def test_a_gradient_value_can_be_assigned_to_a_parameter():
    x = C.input_variable(2)
    w = C.parameter(())
    g = (x + w).grad({x: np.asarray([1, 2], dtype=np.float32)}, wrt=[w], as_numpy=False)
    w.value = g.data
    assert w.value == 2.


def test_pooling_over_free_dimensions():
    img = np.arange(16, dtype=np.float32).reshape(1, 4, 4)
    x = C.input_variable((C.FreeDimension, C.FreeDimension, C.FreeDimension))
    pooled = C.pooling(x, C.AVG_POOLING, (2, 2), (2, 2))
    assert pooled.shape == (C.FreeDimension,) * 3
    np.testing.assert_allclose(pooled.eval({x: [img]}), [[[[2.5, 4.5], [10.5, 12.5]]]])


def test_reshape_of_free_dimensions_checks_the_data():
    x = C.input_variable((C.FreeDimension, 2, 3))
    r = C.reshape(x, (4,), 0, 2)
    assert r.shape == (4, 3)
    np.testing.assert_array_equal(r.eval({x: np.arange(12).reshape(2, 2, 3)})[0], np.arange(12).reshape(4, 3))
    with pytest.raises(ValueError, match="cannot be reshaped"):
        r.eval({x: np.arange(6).reshape(1, 2, 3)})


def test_a_gradient_value_binds_as_one_sample():
    x = C.input_variable(3)
    w = C.parameter((3, 1), init=1.0)
    g = C.reduce_sum(C.times(x, w)).grad({x: np.ones((1, 3), np.float32)}, wrt=[w], as_numpy=False)
    v = C.input_variable((3, 1))
    np.testing.assert_array_equal((v * 2).eval({v: g}), [[[2.], [2.], [2.]]])


def test_sequential_clique_names_its_result():
    x = C.input_variable(3)
    clique = C.layers.SequentialClique([C.abs, C.sqrt, C.square], name='my_clique')(x)
    assert clique.name == 'my_clique'
    data = np.array([[1., -2., 3.]], np.float32)
    step = np.abs(data) + data
    np.testing.assert_allclose(clique.eval(data), np.square(step + np.sqrt(step)), rtol=1e-5)


def test_per_dim_mean_variance_normalize():
    x = C.input_variable(1)
    f = C.per_dim_mean_variance_normalize(x, np.asarray([2.], np.float32), np.asarray([0.5], np.float32))
    np.testing.assert_array_equal(f.eval({x: np.asarray([[3.], [1.]], np.float32)}), [[.5], [-.5]])


def test_generated_ops_carry_their_names():
    assert (C.equal.__name__, C.reduce_sum.__name__, C.sequence.first.__name__) == ('equal', 'reduce_sum', 'first')


def test_whole_float_dimensions_are_accepted():
    assert C.parameter((4.0, 2)).shape == (4, 2)
    with pytest.raises(TypeError, match="sequence of ints"):
        C.parameter((2.5,))


def test_an_unbound_placeholder_has_cntks_unknown_shape():
    @C.layers.BlockFunction('Square', 'block_name')
    def f(x):
        return x * x
    assert f.shape == (-2,)


def test_recurrence_from_a_state_sequence_on_another_axis():
    """The initial state is the last step of a sequence over its own axis; arguments keep the order
    of the Python signature (values from CNTK 2.7's layers_test)."""
    from cntk.layers.typing import Sequence, SequenceOver, Signature, Tensor  # noqa: F401
    state_seq = SequenceOver[C.Axis('stateAxis')]
    input_seq = SequenceOver[C.Axis('inputAxis')]
    rf = C.layers.RecurrenceFrom(C.layers.GRU(5, init=0.05))

    @C.Function
    @Signature(s=state_seq[Tensor[5]], x=input_seq[Tensor[5]])
    def ff(s, x):
        return rf(s, x)
    assert [a.name for a in ff.arguments] == ['s', 'x']
    out = ff(np.ones((1, 5, 5)) * 0.1, np.arange(25, dtype=np.float32).reshape(1, 5, 5))
    np.testing.assert_allclose(np.asarray(out[0])[:, 0], [0.239151, 0.338713, 0.367456, 0.375577, 0.377891],
                               atol=1e-6)


def test_clone_copies_constants_unless_sharing():
    x = C.input_variable(2)
    k = C.constant(np.ones(2, np.float32))
    c = x * k
    assert [v.uid for v in c.clone('share').constants] == [k.uid]
    for method in ('clone', 'freeze'):
        copy = c.clone(method)
        assert copy.constants[0].uid != k.uid
        k.value = np.full(2, 3., np.float32)
        np.testing.assert_array_equal(copy.constants[0].value, [1., 1.])
        k.value = np.ones(2, np.float32)


def test_sequence_start_flags_split_a_batch_into_sequences():
    x = C.sequence.input_variable(2)
    last = C.sequence.last(x)
    data = np.asarray([[1., 2.], [2., 3.]], np.float32)
    np.testing.assert_array_equal(last.eval({x: data}), [[2., 3.]])
    np.testing.assert_array_equal(last.eval({x: (data, [True, True])}), [[1., 2.], [2., 3.]])
    with pytest.raises(NotImplementedError, match="sequence_starts"):
        last.eval({x: (data, [True, False])})


def test_classification_error_of_a_diverged_model_does_not_crash():
    o, t = C.input_variable(3), C.input_variable(3)
    err = C.classification_error(o, t)
    value = err.eval({o: np.array([[np.nan] * 3, [1, 2, 0]], np.float32), t: np.array([[1, 0, 0], [0, 1, 0]], np.float32)})
    np.testing.assert_array_equal(value, [[0.], [0.]])


def test_unfold_from_a_constant():
    @C.Function
    def double_up(s):
        return s * 2
    x = C.sequence.input_variable(1)
    out = C.layers.UnfoldFrom(double_up)(C.Constant(1), x)
    result = out.eval({x: [np.zeros((3, 1), np.float32), np.zeros((5, 1), np.float32)]})
    np.testing.assert_array_equal(np.ravel(result[0]), [2, 4, 8])
    np.testing.assert_array_equal(np.ravel(result[1]), [2, 4, 8, 16, 32])


def test_str_of_a_function_is_its_signature_in_cntk_notation():
    assert str(C.log(C.input_variable(1), name='f')) == 'f: Log(Tensor[1]) -> Tensor[1]'

    @C.Function
    def g(x, y):
        return x + y
    assert str(g) == 'Plus(x: Sequence[tensor], y: Sequence[tensor]) -> Sequence[tensor]'
    x = C.sequence.input_variable(3, name='x')
    assert str(C.layers.Dense(2)(x)).endswith('(x: Sequence[Tensor[3]]) -> Sequence[Tensor[2]]')


def test_plot_lists_operands_before_the_ops_using_them():
    i = C.input_variable((2, 3), name='i1')
    root = C.times(C.plus(i, C.constant(6, shape=(2, 3)), name='op1'), C.parameter((3, 2), init=7), name='op2')
    text = C.logging.graph.plot(C.combine([root, C.minus(C.input_variable(()), 1)]))
    assert text.find('Plus') < text.find('Times')


def test_indexing_a_combine_gives_its_operands():
    x = C.input_variable(2)
    assert C.combine([x, x])[0] == x
    assert C.combine(C.combine(x, x), C.combine(x, x))[0] == x
    doubled = x * 2
    assert C.combine([doubled, x + 1])[0] == doubled.output


def test_unfold_from_a_lambda_takes_the_state_type_from_the_initial_value():
    s = C.input_variable(1)
    x = C.sequence.input_variable(1)
    out = C.layers.UnfoldFrom(lambda h: h * 0.5)(s, x)
    result = out.eval({s: np.array([[8.], [100.]], np.float32),
                       x: [np.zeros((3, 1), np.float32), np.zeros((2, 1), np.float32)]})
    np.testing.assert_array_equal(np.ravel(result[0]), [4, 2, 1])   # CNTK 2.7 gives the same
    np.testing.assert_array_equal(np.ravel(result[1]), [50, 25])
