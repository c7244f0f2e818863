"""Loading the 17 models CNTK 2.7 saved (tests/data/models/cntk27) and a real model from GitHub:
outputs match CNTK's at the manifest's tolerance, and names, uids, argument order, parameter
order, shapes, dtypes and dynamic axes are those CNTK reports."""
import os

import numpy as np
import pytest

import cntk as C
from model_file_helpers import (CNTK27, REAL, assert_close, entry, evaluate, fixture_inputs, fixture_outputs,
                                manifest, unpack)

NAMES = [e["name"] for e in manifest()]


def cntk_uid(v):
    """The uid CNTK reports: a Combine's outputs are its inputs there (here they are new variables)."""
    while v.owner is not None and v.owner.op_name == "Combine":
        v = v.owner.inputs[v._output_index]
    return v.uid


@pytest.fixture(scope="module")
def loaded():
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = C.load_model(os.path.join(CNTK27, entry(name)["files"]["cntkv2"]))
        return cache[name]
    return get


@pytest.mark.parametrize("name", NAMES)
def test_outputs_match_cntk(name, loaded):
    e = entry(name)
    z = loaded(name)
    npz = np.load(os.path.join(CNTK27, e["npz"]))
    tol = e["tolerance"]
    rtol, atol = (0.0, 0.0) if name == "unfold" else (tol["rtol"], tol["atol"])   # hard-max outputs: exact
    got = evaluate(z, fixture_inputs(e, npz))
    for k, (a, b) in enumerate(zip(got, fixture_outputs(e, npz))):
        assert_close(a, b, rtol, atol, "%s output %d" % (name, k))


@pytest.mark.parametrize("name", NAMES)
def test_signature_matches_cntk(name, loaded):
    e = entry(name)
    z = loaded(name)
    assert [a.name for a in z.arguments] == [i["name"] for i in e["inputs"]]
    assert [a.uid for a in z.arguments] == [i["uid"] for i in e["inputs"]]
    for a, i in zip(z.arguments, e["inputs"]):
        assert a.shape == tuple(i["shape"]) and np.dtype(a.dtype).name == i["dtype"]
        assert [ax.name for ax in a.dynamic_axes] == i["dynamic_axes"]
        assert a.is_sparse == i["is_sparse"]
    assert len(z.outputs) == len(e["outputs"])
    for o, m in zip(z.outputs, e["outputs"]):
        assert (o.name, cntk_uid(o), o.shape) == (m["name"], m["uid"], tuple(m["shape"]))
        assert np.dtype(o.dtype).name == m["dtype"]
        assert [ax.name for ax in o.dynamic_axes] == m["dynamic_axes"]
    assert [(p.name, p.uid, p.shape) for p in z.parameters] == \
        [(p["name"], p["uid"], tuple(p["shape"])) for p in e["parameters"]]
    # Same constants; their order can differ from CNTK's where a block's arguments are walked in the order
    # the block's internals meet them rather than in the block's argument-map order (cntk/_graph/traversal.py).
    assert sorted((c.name, c.uid, c.shape) for c in z.constants) == \
        sorted((c["name"], c["uid"], tuple(c["shape"])) for c in e["constants"])
    assert sum(int(np.prod(p.shape)) for p in z.parameters) == e["num_parameters"]


@pytest.mark.parametrize("name", NAMES)
def test_op_names_match_cntk(name, loaded):
    e = entry(name)
    z = loaded(name)
    from cntk._graph.traversal import reachable_functions
    fns = reachable_functions([z], into_blocks=True)
    blocks = {f.op_name for f in fns if f.is_block}
    # the op CNTK stored: a ReconcileDynamicAxis that is an identity runs as NoOp here (cntk_op keeps its name)
    primitive = {f._attributes.get("cntk_op", f.op_name) for f in fns if not f.is_block}
    python_names = {"UnpackSequence": "UnpackSequenceOp"}
    assert blocks == set(e["cntk_op_names"]["blocks"])
    assert {python_names.get(p, p) for p in primitive} == set(e["cntk_op_names"]["primitive"])


def test_named_access_after_load(loaded):
    z = loaded("trained_classifier")
    assert z.classify.W.shape == (8, 3) and z.classify.W.uid == "Parameter22530"
    assert z.embed.E.shape == (10, 8)
    assert z.find_by_name("classify").op_name == "Dense"
    assert z.rnn.op_name == "NoOp"
    assert z.embed.is_block and z.embed.block_root.op_name == "Times"
    d = loaded("dense")
    assert d.dense.W.value.shape == (5, 3) and d.name == "dense"
    np.testing.assert_array_equal(d.W.value, d.dense.W.value)


def test_blocks_keep_their_structure(loaded):
    z = loaded("emb_lstm_dense")
    from cntk._graph.traversal import reachable_functions
    cells = [f for f in reachable_functions([z]) if f.is_block and f.op_name == "LSTM"]
    assert len(cells) == 1
    cell = cells[0]
    assert len(cell.outputs) == 2 and cell.block_root.op_name == "Combine"
    assert [p.name for p in cell.block_root.parameters] == ["b", "W", "H"]
    assert all(inner.is_placeholder for inner, _ in cell.block_arguments_mapping)


def test_float16_constants_keep_their_dtype(loaded):
    z = loaded("float16_cast")
    assert {c.name: np.dtype(c.dtype).name for c in z.constants} == {"scale": "float16", "shift": "float16"}


def test_loaded_model_composes_and_clones(loaded):
    z = loaded("dense")
    x = C.input_variable(5, name="x2")
    y = C.relu(z(x)) * 2.0
    data = np.arange(10, dtype=np.float32).reshape(2, 5) / 10
    np.testing.assert_allclose(y.eval({x: data}), 2 * np.maximum(z.eval({z.arguments[0]: data}), 0), rtol=1e-6)
    frozen = z.clone(C.CloneMethod.freeze)
    np.testing.assert_allclose(frozen.eval({frozen.arguments[0]: data}), z.eval({z.arguments[0]: data}))


def test_loaded_recurrent_model_trains(loaded):
    """Gradients flow through loaded recurrences (the model can continue training)."""
    z = C.load_model(os.path.join(CNTK27, "gru.model"))
    e = entry("gru")
    npz = np.load(os.path.join(CNTK27, e["npz"]))
    x = fixture_inputs(e, npz)["x"]
    grads = z.grad({z.arguments[0]: x}, wrt=z.parameters)
    assert all(np.all(np.isfinite(g)) and np.any(g != 0) for g in grads.values())


def test_real_model_from_github_matches_cntk():
    z = C.load_model(os.path.join(REAL, "solar_2000ep.dnn"))
    ref = np.load(os.path.join(REAL, "solar_2000ep_reference.npz"))
    assert [a.name for a in z.arguments] == [str(a) for a in ref["arguments"]]
    assert [p.uid for p in z.parameters] == [str(p) for p in ref["parameters"]]
    assert z.output.shape == tuple(ref["output_shape"])
    out = z.eval({z.arguments[0]: unpack(ref, "in_0")})
    assert_close(out, ref["out_0"], 1e-5, 1e-6, "solar_2000ep")
