"""Golden data for cntk.layers, produced with the reference CNTK 2.7.

Run with the reference interpreter:  /opt/cntk-ref/bin/python tools/golden/make_layer_golden.py
Writes tests/golden/layers/layers.npz (parameter values, inputs, outputs, gradients) and
tests/golden/layers/layers.json (structure: parameter names/shapes/order, op names, output types).

The case table (CASES) is plain Python 3.6 code parameterised by the module ``C`` so that the
tests (tests/layers/test_golden.py) rebuild exactly the same models with cntk-torch.
Every parameter is overwritten with seeded values, except in cases marked ``fixed_init`` whose
initial values are deterministic (constant inits) and are compared as they are.
"""
from __future__ import print_function

import json
import os
import sys

import numpy as np

RAGGED = [3, 1, 5, 2]
EQUAL = [3, 3, 3, 3]


def _seq(dim, lengths=RAGGED, axis=None):
    return {"kind": "seq", "dim": dim, "lengths": lengths, "axis": axis}


def _batch(dim, n=4):
    return {"kind": "batch", "dim": dim, "n": n}


# Note: the reference's Function.grad runs in training mode, so dropout is active there; cases
# containing Dropout therefore compare evaluation outputs only (grad=False).
def _case(name, build, inputs=None, apply=None, fixed_init=False, grad=True, training=False, **kw):
    c = {"name": name, "build": build, "inputs": inputs or [_seq(3)], "apply": apply,
         "fixed_init": fixed_init, "grad": grad, "training": training}
    c.update(kw)
    return c


def _lstm_tuple_init(C):
    return C.layers.Recurrence(C.layers.LSTM(4), initial_state=(0.1, -0.2), return_full_state=True)


def _default_opts_lstm(C):
    with C.layers.default_options(initial_state=0.1):
        return C.layers.Recurrence(C.layers.LSTM(4), return_full_state=True)


def _default_opts_nobias(C):
    with C.layers.default_options(bias=False):
        return C.layers.Sequential([C.layers.Dense(3), C.layers.Dense(2, bias=True)])


def _default_opts_init(C):
    with C.layers.default_options(init=0.5, activation=C.tanh):
        return C.layers.Sequential([C.layers.Dense(3), C.layers.Dense(2, activation=None)])


def _default_opts_for(C):
    with C.default_options_for(C.layers.Dense, init=0.25):
        return C.layers.Sequential([C.layers.Dense(3), C.layers.Embedding(2, init=0.5)])


def _default_opts_nested(C):
    with C.layers.default_options(bias=False):
        with C.layers.default_options(bias=True):
            inner = C.layers.Dense(2, init=0.1)
        outer = C.layers.Dense(2, init=0.2)
    return C.layers.Sequential([inner, outer])


def _default_opts_backwards(C):
    with C.layers.default_options(go_backwards=True, enable_self_stabilization=True):
        return C.layers.Recurrence(C.layers.GRU(3))


def _seed_model(C):
    with C.layers.default_options(initial_state=0.1):
        return C.layers.Sequential([C.layers.Recurrence(C.layers.LSTM(15)), C.layers.Dropout(0.2),
                                    C.layers.Fold(C.layers.LSTM(15)), C.layers.Dense(1)])


def _bidir(C):
    return C.layers.Sequential([(C.layers.Recurrence(C.layers.LSTM(2)),
                                 C.layers.Recurrence(C.layers.LSTM(2), go_backwards=True)), C.splice])


def _stacked_dropout(C):
    return C.layers.Sequential([C.layers.Embedding(5),
                                C.layers.For(range(2), lambda: [C.layers.Recurrence(C.layers.LSTM(4)),
                                                                C.layers.Dropout(0.3)]),
                                C.layers.Dense(2)])


def _unfold_generator(C):
    return C.layers.Dense(3, activation=C.tanh)


def _unfold_pred(C):
    return C.layers.UnfoldFrom(C.layers.Dense(3) >> C.hardmax, until_predicate=lambda w: w[..., 2])


def _attention(C):
    return C.layers.AttentionModel(4)


def _attention_nostab(C):
    return C.layers.AttentionModel(3, enable_self_stabilization=False)


def _apply_recfrom(C, L, h0, c0, x):
    return L(h0, c0, x)


def _apply_unfold(C, L, s, x):
    return L(s, x)


def _apply_attention(C, L, enc, dec):
    return L(enc, dec)


def _apply_label(C, L, x):
    m = L(x)
    return C.combine([m.output, m.hidden.output])


def _apply_pvw(C, L, x):
    return L(x)


def _gru_step_direct(C):
    # a step function called directly (not through a loop): (dh, x) -> h
    return C.layers.GRU(3)


def _apply_step_direct(C, L, h, x):
    return L(h, x)


CASES = [
    # --- Dense ---
    _case("dense", lambda C: C.layers.Dense(4)),
    _case("dense_tanh_nobias", lambda C: C.layers.Dense(4, activation=C.tanh, bias=False)),
    _case("dense_shape2", lambda C: C.layers.Dense((2, 3), activation=C.relu)),
    _case("dense_init_const", lambda C: C.layers.Dense(2, init=0.3, init_bias=0.5), fixed_init=True),
    _case("dense_rank2_all", lambda C: C.layers.Dense(4), inputs=[_seq((2, 3))]),
    _case("dense_input_rank1", lambda C: C.layers.Dense(4, input_rank=1), inputs=[_seq((2, 3))]),
    _case("dense_map_rank1", lambda C: C.layers.Dense(4, map_rank=1), inputs=[_seq((2, 3))]),
    _case("dense_batch", lambda C: C.layers.Dense(2, activation=C.sigmoid), inputs=[_batch(3)]),
    # --- Embedding ---
    _case("embedding", lambda C: C.layers.Embedding(4)),
    _case("embedding_weights", lambda C: C.layers.Embedding(weights=np.arange(12, dtype=np.float32).reshape(3, 4) / 10.0),
          fixed_init=True),
    # --- recurrent cells in Recurrence ---
    _case("lstm", lambda C: C.layers.Recurrence(C.layers.LSTM(4))),
    _case("lstm_peep", lambda C: C.layers.Recurrence(C.layers.LSTM(4, use_peepholes=True))),
    _case("lstm_stab", lambda C: C.layers.Recurrence(C.layers.LSTM(4, enable_self_stabilization=True))),
    _case("lstm_cell_shape", lambda C: C.layers.Recurrence(C.layers.LSTM(4, cell_shape=5))),
    _case("lstm_all", lambda C: C.layers.Recurrence(C.layers.LSTM(4, cell_shape=5, use_peepholes=True,
                                                                enable_self_stabilization=True))),
    _case("lstm_relu", lambda C: C.layers.Recurrence(C.layers.LSTM(3, activation=C.relu))),
    _case("lstm_init_bias", lambda C: C.layers.Recurrence(C.layers.LSTM(2, init=0.1, init_bias=0.2)), fixed_init=True),
    _case("gru", lambda C: C.layers.Recurrence(C.layers.GRU(4))),
    _case("gru_stab", lambda C: C.layers.Recurrence(C.layers.GRU(3, enable_self_stabilization=True))),
    _case("rnnstep", lambda C: C.layers.Recurrence(C.layers.RNNStep(4))),
    _case("rnnstep_tanh", lambda C: C.layers.Recurrence(C.layers.RNNStep(3, activation=C.tanh))),
    _case("gru_step_direct", _gru_step_direct, inputs=[_batch(3), _batch(2)], apply=_apply_step_direct),
    # --- Recurrence options ---
    _case("rec_backwards", lambda C: C.layers.Recurrence(C.layers.LSTM(3), go_backwards=True)),
    _case("rec_init_scalar", lambda C: C.layers.Recurrence(C.layers.GRU(3), initial_state=0.3)),
    _case("rec_init_tuple_full", _lstm_tuple_init),
    _case("rec_full_state", lambda C: C.layers.Recurrence(C.layers.LSTM(3), return_full_state=True)),
    _case("rec_lambda_sum", lambda C: C.layers.Recurrence(lambda h, x: h + x, initial_state=10.0)),
    _case("rec_lambda_back", lambda C: C.layers.Recurrence(lambda h, x: h * 0.5 + x, go_backwards=True)),
    # --- Fold ---
    _case("fold_lstm", lambda C: C.layers.Fold(C.layers.LSTM(4))),
    _case("fold_back_gru", lambda C: C.layers.Fold(C.layers.GRU(3), go_backwards=True)),
    _case("fold_full_state", lambda C: C.layers.Fold(C.layers.LSTM(3), return_full_state=True)),
    # --- RecurrenceFrom / UnfoldFrom ---
    _case("recurrence_from", lambda C: C.layers.RecurrenceFrom(C.layers.LSTM(4)),
          inputs=[_batch(4), _batch(4), _seq(3)], apply=_apply_recfrom),
    _case("recurrence_from_back", lambda C: C.layers.RecurrenceFrom(C.layers.GRU(2), go_backwards=True,
                                                                   return_full_state=True),
          inputs=[_batch(2), _seq(3)], apply=lambda C, L, h, x: L(h, x)),
    _case("unfold", lambda C: C.layers.UnfoldFrom(_unfold_generator(C)),
          inputs=[_batch(3), _seq(2)], apply=_apply_unfold),
    _case("unfold_len15", lambda C: C.layers.UnfoldFrom(_unfold_generator(C), length_increase=1.5),
          inputs=[_batch(3), _seq(2)], apply=_apply_unfold),
    _case("unfold_pred", _unfold_pred, inputs=[_batch(3), _seq(2, lengths=[5, 2, 4, 1])], apply=_apply_unfold,
          grad=False),
    # --- Delay, PastValueWindow ---
    _case("delay1", lambda C: C.layers.Delay()),
    _case("delay_m1", lambda C: C.layers.Delay(T=-1, initial_state=0.5)),
    _case("delay2", lambda C: C.layers.Delay(T=2)),
    _case("past_value_window", lambda C: C.layers.PastValueWindow(3, axis=-2), apply=lambda C, L, x: L(x)),
    # --- misc layers ---
    _case("dropout_eval", lambda C: C.layers.Dropout(0.5), grad=False),
    _case("dropout_keep_eval", lambda C: C.layers.Dropout(keep_prob=0.7, seed=3), grad=False),
    _case("activation", lambda C: C.layers.Activation(C.relu)),
    _case("stabilizer", lambda C: C.layers.Stabilizer()),
    _case("stabilizer_steep", lambda C: C.layers.Stabilizer(steepness=2)),
    _case("layer_norm", lambda C: C.layers.LayerNormalization()),
    _case("layer_norm_init", lambda C: C.layers.LayerNormalization(initial_scale=2, initial_bias=0.5), fixed_init=True),
    _case("batch_norm", lambda C: C.layers.BatchNormalization(), inputs=[_seq(3, lengths=EQUAL)], training=True),
    _case("batch_norm_tc", lambda C: C.layers.BatchNormalization(normalization_time_constant=2),
          inputs=[_seq(3, lengths=EQUAL)], training=True),
    _case("batch_norm_batch", lambda C: C.layers.BatchNormalization(), inputs=[_batch(3, n=5)], training=True),
    _case("label", lambda C: C.layers.Sequential([C.layers.Dense(3), C.layers.Label("hidden"), C.layers.Dense(2)]),
          apply=_apply_label),
    _case("attention", _attention, inputs=[_seq(3, axis="inAxis"), _seq(2, lengths=[2, 3, 1, 2])],
          apply=_apply_attention),
    _case("attention_nostab", _attention_nostab, inputs=[_seq(3, axis="inAxis"), _seq(2, lengths=[2, 3, 1, 2])],
          apply=_apply_attention),
    # --- composition ---
    _case("sequential", lambda C: C.layers.Sequential([C.layers.Embedding(5), C.layers.Recurrence(C.layers.LSTM(4)),
                                                       C.layers.Dense(3)])),
    _case("for_layers", lambda C: C.layers.For(range(3), lambda i: C.layers.Dense(i + 2, activation=C.tanh))),
    _case("tuple_parallel", lambda C: C.layers.Sequential([C.layers.Dense(4), (C.layers.Dense(2), C.layers.Dense(3)),
                                                           C.splice])),
    _case("bidirectional", _bidir),
    _case("stacked_dropout", _stacked_dropout, grad=False),
    _case("resnet", lambda C: C.layers.ResNetBlock(C.layers.Dense(3, activation=C.tanh))),
    _case("clique", lambda C: C.layers.SequentialClique([C.layers.Dense(3), C.layers.Dense(3), C.layers.Dense(3)])),
    # --- default_options ---
    _case("dflt_lstm_initial_state", _default_opts_lstm),
    _case("dflt_bias_false", _default_opts_nobias),
    _case("dflt_init", _default_opts_init, fixed_init=True),
    _case("dflt_for", _default_opts_for, fixed_init=True),
    _case("dflt_nested", _default_opts_nested, fixed_init=True),
    _case("dflt_backwards_stab", _default_opts_backwards),
    # --- the seed model ---
    _case("seed_model", _seed_model, inputs=[_seq(1)], grad=False),
]


def case_by_name(name):
    for c in CASES:
        if c["name"] == name:
            return c
    raise KeyError(name)


def make_inputs(C, case):
    """Input variables for a case (sequence inputs need gradients)."""
    out = []
    for k, spec in enumerate(case["inputs"]):
        name = "in%d" % k
        if spec["kind"] == "seq":
            axis = C.Axis(spec["axis"]) if spec["axis"] else None
            if axis is None:
                out.append(C.sequence.input_variable(spec["dim"], needs_gradient=True, name=name))
            else:
                out.append(C.sequence.input_variable(spec["dim"], needs_gradient=True, sequence_axis=axis, name=name))
        else:
            out.append(C.input_variable(spec["dim"], needs_gradient=True, name=name))
    return out


def make_data(case, seed):
    """Seeded input data: lists of per-sequence arrays, or (n, dim) arrays."""
    rng = np.random.RandomState(seed)
    data = []
    for spec in case["inputs"]:
        dim = spec["dim"] if isinstance(spec["dim"], tuple) else (spec["dim"],)
        if spec["kind"] == "seq":
            data.append([rng.uniform(-1, 1, (n,) + dim).astype(np.float32) for n in spec["lengths"]])
        else:
            data.append(rng.uniform(-1, 1, (spec["n"],) + dim).astype(np.float32))
    return data


def build_model(C, case):
    """(layer, model, input variables)."""
    layer = case["build"](C)
    xs = make_inputs(C, case)
    model = case["apply"](C, layer, *xs) if case["apply"] else layer(*xs)
    return layer, model, xs


def param_values(case, params, seed):
    rng = np.random.RandomState(seed + 1000)
    return [rng.uniform(-0.6, 0.6, p.shape).astype(np.float32) for p in params]


def output_weights(case, outputs, seed):
    rng = np.random.RandomState(seed + 2000)
    return [rng.uniform(-1, 1, o.shape).astype(np.float32) for o in outputs]


def loss_of(C, model, weights):
    terms = [C.reduce_sum(C.element_times(o, C.constant(w))) for o, w in zip(model.outputs, weights)]
    loss = terms[0]
    for t in terms[1:]:
        loss = loss + t
    return loss


def axes_kind(var):
    return ["batch" if a.is_batch_axis else ("seq:" + (a.name if a.name in ("defaultDynamicAxis", "inAxis") else "*"))
            for a in var.dynamic_axes]


def flatten_value(v):
    if isinstance(v, list):
        return np.concatenate([np.asarray(s, dtype=np.float32).reshape((-1,) + np.asarray(s).shape[1:]) for s in v], axis=0), \
            [int(np.asarray(s).shape[0]) for s in v]
    return np.asarray(v, dtype=np.float32), None


def block_op_names(C, fn):
    """op_names of the blocks met walking the top-level graph (not inside blocks)."""
    from cntk.logging.graph import depth_first_search
    found = depth_first_search(fn, lambda f: isinstance(f, C.Function) and f.is_block, depth=0)
    return sorted(f.op_name for f in found)


def run_reference(out_dir):
    import cntk as C
    C.cntk_py.set_fixed_random_seed(1)
    meta = {}
    arrays = {}
    for idx, case in enumerate(CASES):
        name = case["name"]
        seed = 17 + idx
        layer, model, xs = build_model(C, case)
        lroot = getattr(layer, "root_function", None)
        rec = {"layer_op_name": lroot.op_name if lroot is not None else None,
               "layer_is_block": bool(lroot.is_block) if lroot is not None else None,
               "unbound_params": [[p.name, list(p.shape)] for p in layer.parameters] if lroot is not None else None,
               "params": [[p.name, list(p.shape)] for p in model.parameters],
               "constants": sorted([c.name for c in model.constants if c.name]),
               "outputs": [{"shape": list(o.shape), "axes": axes_kind(o), "name": o.name} for o in model.outputs],
               "model_op_name": model.root_function.op_name,
               "blocks": block_op_names(C, model)}
        params = model.parameters
        if case["fixed_init"]:
            values = [p.value for p in params]
        else:
            values = param_values(case, params, seed)
            for p, v in zip(params, values):
                p.value = v
        for k, v in enumerate(values):
            arrays["%s/param%d" % (name, k)] = v
        data = make_data(case, seed)
        feed = dict(zip(xs, data))
        for k, d in enumerate(data):
            arrays["%s/input%d" % (name, k)], _ = flatten_value(d)
        if case["training"]:
            state, res = model.forward(feed, outputs=model.outputs, keep_for_backward=set(model.outputs))
            outs = [res[o] for o in model.outputs]
            root = {model.outputs[0]: np.ones_like(np.asarray(res[model.outputs[0]]))
                    if not isinstance(res[model.outputs[0]], list) else [np.ones_like(s) for s in res[model.outputs[0]]]}
            # weighted root gradient
            w = output_weights(case, model.outputs, seed)[0]
            r0 = res[model.outputs[0]]
            root = {model.outputs[0]: (np.asarray(r0) * 0 + w) if not isinstance(r0, list) else np.stack([s * 0 + w for s in r0])}
            grads = model.backward(state, root, set(params) | set(xs))
            for k, o in enumerate(outs):
                arrays["%s/train_out%d" % (name, k)], _ = flatten_value(o)
            for k, p in enumerate(params):
                arrays["%s/grad_param%d" % (name, k)] = np.asarray(grads[p], dtype=np.float32)
            for k, x in enumerate(xs):
                arrays["%s/grad_input%d" % (name, k)], _ = flatten_value(grads[x])
            for c in model.constants:
                if c.name:
                    arrays["%s/const_%s" % (name, c.name)] = np.asarray(c.value, dtype=np.float32)
        result = model.eval(feed, outputs=model.outputs) if len(model.outputs) > 1 else {model.output: model.eval(feed)}
        lengths = []
        for k, o in enumerate(model.outputs):
            arrays["%s/out%d" % (name, k)], ln = flatten_value(result[o])
            lengths.append(ln)
        rec["out_lengths"] = lengths
        if case["grad"] and not case["training"]:
            weights = output_weights(case, model.outputs, seed)
            loss = loss_of(C, model, weights)
            wrt = list(params) + list(xs)
            g = loss.grad(feed, wrt=wrt)
            if len(wrt) == 1:
                g = {wrt[0]: g}
            for k, p in enumerate(params):
                arrays["%s/grad_param%d" % (name, k)] = np.asarray(g[p], dtype=np.float32)
            for k, x in enumerate(xs):
                arrays["%s/grad_input%d" % (name, k)], _ = flatten_value(g[x])
        meta[name] = rec
        print("%-28s params=%s outputs=%s blocks=%s" % (name, rec["params"], rec["outputs"], rec["blocks"]))
        sys.stdout.flush()
    if not os.path.isdir(out_dir):
        os.makedirs(out_dir)
    np.savez_compressed(os.path.join(out_dir, "layers.npz"), **arrays)
    with open(os.path.join(out_dir, "layers.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    run_reference(os.path.join(here, "..", "..", "tests", "golden", "layers"))
