"""cntk.layers against golden data from the reference CNTK 2.7 (tools/golden/make_layer_golden.py).

Each case rebuilds the same layer with cntk-torch, checks the structure (parameter names, shapes
and order, op names, output shapes and dynamic axes), assigns the reference's parameter values
by order and compares outputs and gradients (w.r.t. inputs and parameters) at fp32 tolerance.
"""
import importlib.util
import json
import os

import numpy as np
import pytest

import cntk as C

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN_DIR = os.path.join(ROOT, "tests", "golden", "layers")
_spec = importlib.util.spec_from_file_location("make_layer_golden", os.path.join(ROOT, "tools", "golden",
                                                                                   "make_layer_golden.py"))
G = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(G)

with open(os.path.join(GOLDEN_DIR, "layers.json")) as f:
    META = json.load(f)
ARRAYS = dict(np.load(os.path.join(GOLDEN_DIR, "layers.npz")))

LAYER_OPS = {"Dense", "Embedding", "LSTM", "GRU", "RNNStep", "Dropout", "Delay", "Activation", "Stabilizer",
             "LayerNormalization", "BatchNormalization", "PastValueWindow"}
RTOL, ATOL = 1e-5, 1e-5


def _close(actual, expected, what):
    actual = np.asarray(actual, dtype=np.float32)
    expected = np.asarray(expected, dtype=np.float32)
    assert actual.shape == expected.shape, "%s: shape %s != %s" % (what, actual.shape, expected.shape)
    scale = max(1.0, float(np.abs(expected).max()) if expected.size else 1.0)
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL * scale, err_msg=what)


def _blocks(fn):
    from cntk._graph import traversal
    found = [x for x in traversal.depth_first(fn) if traversal._is_function(x) and x.is_block]
    return sorted(f.op_name for f in found if f.op_name in LAYER_OPS)


@pytest.mark.parametrize("idx", range(len(G.CASES)), ids=[c["name"] for c in G.CASES])
def test_layer_matches_reference(idx):
    case = G.CASES[idx]
    name = case["name"]
    meta = META[name]
    seed = 17 + idx
    layer, model, xs = G.build_model(C, case)

    # --- structure ---
    lroot = getattr(layer, "root_function", None)
    assert (lroot.op_name if lroot is not None else None) == meta["layer_op_name"]
    if "::" not in (meta["layer_op_name"] or ""):  # CNTK builds some sequence ops as blocks; we use primitives
        assert (bool(lroot.is_block) if lroot is not None else None) == meta["layer_is_block"]
    assert model.root_function.op_name == meta["model_op_name"]
    params = model.parameters
    assert [[p.name, list(p.shape)] for p in params] == meta["params"]
    assert sorted(c.name for c in model.constants if c.name) == meta["constants"]
    got_outs = [{"shape": list(o.shape), "axes": G.axes_kind(o), "name": o.name} for o in model.outputs]
    assert got_outs == meta["outputs"]
    assert _blocks(model) == [b for b in meta["blocks"] if b in LAYER_OPS]

    # --- values ---
    values = [ARRAYS["%s/param%d" % (name, k)] for k in range(len(params))]
    if case["fixed_init"]:
        for p, v in zip(params, values):
            _close(p.value, v, "%s initial value of %s" % (name, p.name))
    else:
        for p, v in zip(params, values):
            p.value = v
    data = G.make_data(case, seed)
    feed = dict(zip(xs, data))
    if case["training"]:
        state, res = model.forward(feed, outputs=model.outputs, keep_for_backward=set(model.outputs))
        for k, o in enumerate(model.outputs):
            _close(G.flatten_value(res[o])[0], ARRAYS["%s/train_out%d" % (name, k)], "%s training output" % name)
        w = G.output_weights(case, model.outputs, seed)[0]
        r0 = res[model.outputs[0]]
        root = {model.outputs[0]: (np.asarray(r0) * 0 + w) if not isinstance(r0, list)
                else np.stack([s * 0 + w for s in r0])}
        grads = model.backward(state, root, list(params) + list(xs))
        for k, p in enumerate(params):
            _close(grads[p], ARRAYS["%s/grad_param%d" % (name, k)], "%s training gradient of %s" % (name, p.name))
        for k, x in enumerate(xs):
            _close(G.flatten_value(grads[x])[0], ARRAYS["%s/grad_input%d" % (name, k)], "%s training input gradient" % name)
        for c in model.constants:
            if c.name:
                _close(c.value, ARRAYS["%s/const_%s" % (name, c.name)], "%s running statistic %s" % (name, c.name))
    result = model.eval(feed, outputs=model.outputs) if len(model.outputs) > 1 else {model.output: model.eval(feed)}
    for k, o in enumerate(model.outputs):
        flat, lengths = G.flatten_value(result[o])
        assert lengths == meta["out_lengths"][k], "%s output %d sequence lengths" % (name, k)
        _close(flat, ARRAYS["%s/out%d" % (name, k)], "%s output %d" % (name, k))
    if case["grad"] and not case["training"]:
        weights = G.output_weights(case, model.outputs, seed)
        loss = G.loss_of(C, model, weights)
        wrt = list(params) + list(xs)
        g = loss.grad(feed, wrt=wrt)
        if len(wrt) == 1:
            g = {wrt[0]: g}
        for k, p in enumerate(params):
            _close(g[p], ARRAYS["%s/grad_param%d" % (name, k)], "%s gradient of parameter %d (%s)" % (name, k, p.name))
        for k, x in enumerate(xs):
            _close(G.flatten_value(g[x])[0], ARRAYS["%s/grad_input%d" % (name, k)], "%s gradient of input %d" % (name, k))
