"""Plan rewrites outside the recurrent engines: sparse-input products as row lookups
(cntk/_exec/onehot.py), which agree with the matrix product on one-hot data, padding and data that
are not one-hot; and a bias added to a matrix product as one addmm (cntk/_exec/affine.py)."""
import numpy as np
import scipy.sparse
import pytest

import cntk as C
from cntk._graph.function import _executor


def _model(seed=0):
    x = C.sequence.input_variable(7, is_sparse=True)
    model = C.layers.Embedding(3)(x)
    model.parameters[0].value = np.random.RandomState(seed).standard_normal((7, 3)).astype(np.float32)
    return x, model


def test_embedding_of_a_sparse_input_is_a_lookup():
    x, model = _model()
    steps = _executor.plan_for(model, model.outputs).steps
    assert [type(s).__name__ for s in steps] == ["SparseLookup"]
    plain = C.layers.Embedding(3)(C.sequence.input_variable(7))
    steps = _executor.plan_for(plain, plain.outputs).steps
    assert "SparseLookup" not in [type(s).__name__ for s in steps]


@pytest.mark.parametrize("kind", ["one_hot", "scaled", "multi_hot"])
def test_lookup_matches_the_matrix_product(kind):
    x, model = _model()
    E = model.parameters[0]
    rng = np.random.RandomState(1)
    data = []
    for n in (3, 1, 5):
        rows = np.zeros((n, 7), np.float32)
        rows[np.arange(n), rng.randint(0, 7, n)] = 1.0
        if kind == "scaled":
            rows *= 2.5
        if kind == "multi_hot":
            rows[0, :2] = 1.0
        data.append(scipy.sparse.csr_matrix(rows))
    dense = [d.toarray() for d in data]
    out = model.eval({x: data})
    for o, d in zip(out, dense):
        np.testing.assert_allclose(o, d @ E.value, rtol=1e-6, atol=1e-6)
    loss = C.reduce_sum(C.sequence.reduce_sum(model * C.constant(np.ones(3, np.float32))))
    grad = loss.grad({x: data}, wrt=[E])
    np.testing.assert_allclose(grad, np.concatenate(dense).T @ np.ones((9, 3), np.float32), rtol=1e-6, atol=1e-6)


def _step_names(model):
    return [type(s).__name__ if not hasattr(s, "node") or type(s).__name__ != "NodeStep" else s.node.op_name
            for s in _executor.plan_for(model, model.outputs).steps]


def test_dense_is_one_affine_step():
    x = C.sequence.input_variable(3)
    assert _step_names(C.layers.Dense(4)(x)) == ["Affine"]
    assert _step_names(C.layers.Dense(4, activation=C.relu)(x)) == ["Affine", "ReLU"]
    assert _step_names(C.layers.Dense(4)(C.sequence.input_variable((2, 3)))) == ["Times", "Plus"]  # W is (2, 3, 4)
    shared = C.times(x, C.parameter((3, 4)))
    both = C.combine([shared + C.parameter(4), shared * 2.0])
    assert "Affine" not in _step_names(both)


def test_affine_matches_product_plus_bias():
    x = C.sequence.input_variable((2, 3))
    model = C.layers.Dense(4, input_rank=1)(x)  # W (3, 4) applied to each of the 2 rows
    assert _step_names(model) == ["Affine"]
    rng = np.random.RandomState(2)
    W, b = model.W, model.b
    W.value = rng.standard_normal((3, 4)).astype(np.float32)
    b.value = rng.standard_normal(4).astype(np.float32)
    data = [rng.standard_normal((n, 2, 3)).astype(np.float32) for n in (2, 4)]
    for out, d in zip(model.eval({x: data}), data):
        np.testing.assert_allclose(out, d @ W.value + b.value, rtol=1e-6, atol=1e-6)
    grads = C.reduce_sum(C.sequence.reduce_sum(model)).grad({x: data}, wrt=[W, b])
    flat = np.concatenate([d.reshape(-1, 3) for d in data])
    np.testing.assert_allclose(grads[W], flat.T @ np.ones((len(flat), 4), np.float32), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grads[b], np.full(4, len(flat), np.float32), rtol=1e-6)


@pytest.mark.parametrize("lengths", [[9, 2, 3, 1], [5, 5, 4]], ids=["mostly_padding", "little_padding"])
def test_dense_on_ragged_sequences_matches_numpy(lengths, monkeypatch):
    """A Dense with a large weight on a ragged batch multiplies only the real steps' rows (when at
    least a quarter is padding): its values and gradients are those of the plain product."""
    from cntk._exec import affine
    calls = []
    original = affine.valid_rows

    def spy(*args):
        rows = original(*args)
        calls.append(rows is not None)
        return rows
    monkeypatch.setattr(affine, "valid_rows", spy)
    x = C.sequence.input_variable(160)
    model = C.layers.Dense(120)(x)
    W, b = model.parameters[0], model.parameters[1]
    rng = np.random.RandomState(2)
    b.value = rng.standard_normal(120).astype(np.float32)
    data = [rng.standard_normal((n, 160)).astype(np.float32) for n in lengths]
    out = model.eval({x: data})
    for o, d in zip(out, data):
        np.testing.assert_allclose(o, d @ W.value + b.value, rtol=1e-5, atol=1e-4)
    assert calls == [sum(lengths) <= 0.75 * len(lengths) * max(lengths)]
    weights = [rng.standard_normal((n, 120)).astype(np.float32) for n in lengths]
    y = C.sequence.input_variable(120)
    loss = C.reduce_sum(C.sequence.reduce_sum(model * y))
    grads = loss.grad({x: data, y: weights}, wrt=[W, b])
    stacked_x, stacked_y = np.concatenate(data), np.concatenate(weights)
    np.testing.assert_allclose(grads[W], stacked_x.T @ stacked_y, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(grads[b], stacked_y.sum(0), rtol=1e-5, atol=1e-4)
