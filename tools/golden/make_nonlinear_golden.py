"""Golden data for element-wise edge cases, normalisation ops, reductions over the batch axis,
assign and eye_like, produced with the reference CNTK 2.7.

Run with the reference interpreter:  /opt/cntk-ref/bin/python tools/golden/make_nonlinear_golden.py
Writes tests/golden/nonlinear_golden.npz (plain float arrays named ``case/key``).

Each case is plain Python 3.6 code parameterised by the module ``C`` and returns a dict of arrays,
so that tests/test_normalization_assign_reduce.py runs exactly the same code with cntk-torch.
"""
from __future__ import print_function

import os
import sys

import numpy as np

F32 = np.float32
EDGES = np.array([[0.0, -0.1, -1.0, 1e-38, 4.0, 2e-37]], F32)


def _unary_edges(C):
    out = {}
    for name in ("log", "sqrt", "reciprocal", "selu", "leaky_relu", "relu", "elu"):
        x = C.input_variable(EDGES.shape[1:], needs_gradient=True)
        f = getattr(C, name)(x)
        out[name] = f.eval({x: EDGES})
        out[name + "_grad"] = f.grad({x: EDGES})
    x = C.input_variable(EDGES.shape[1:], needs_gradient=True)
    alpha = C.constant(np.full(EDGES.shape[1:], 0.5, F32))
    f = C.param_relu(alpha, x)
    out["param_relu"], out["param_relu_grad"] = f.eval({x: EDGES}), f.grad({x: EDGES})
    return out


def _pow_edges(C):
    base = np.array([[-1, -2, -3, 0, 0, 0, -2, 2]], F32)
    expo = np.array([[2, -3, 3, 0.5, 0, -1, 0, 0]], F32)
    a = C.input_variable(base.shape[1:], needs_gradient=True)
    b = C.input_variable(base.shape[1:], needs_gradient=True)
    f = C.pow(a, b)
    g = f.grad({a: base, b: expo}, wrt=[a, b])
    return {"value": f.eval({a: base, b: expo}), "grad_base": g[a], "grad_exponent": g[b]}


def _clip(C):
    x = C.input_variable(6, needs_gradient=True)
    data = np.array([[1, 2, 0, 3, 1.5, 1]], F32)
    f = C.clip(x, 1.0, 2.0)
    crossed = C.clip(x, 5.0, 0.5)
    return {"value": f.eval({x: data}), "grad": f.grad({x: data}), "crossed": crossed.eval({x: data}),
            "crossed_grad": crossed.grad({x: data})}


def _bn_parts(C, shape, param_shape, mean, var, count):
    i = C.input_variable(shape)
    scale = C.parameter(param_shape, init=1.5)
    bias = C.parameter(param_shape, init=0.5)
    run_mean = C.constant(mean, shape=param_shape)
    run_var = C.constant(var, shape=param_shape)
    run_count = C.constant(count, shape=())
    return i, scale, bias, run_mean, run_var, run_count


def _batch_norm_inference(C):
    i, scale, bias, m, v, c = _bn_parts(C, (3,), (3,), 1.0, 2.0, 0.0)
    bn = C.batch_normalization(i, scale, bias, m, v, False, epsilon=0.01, running_count=c)
    data = np.arange(6, dtype=F32).reshape(2, 3)
    return {"value": bn.eval({i: data})}


def _batch_norm_training(C, spatial, time_constant):
    shape = (2, 3, 2)
    param_shape = (2,) if spatial else (12,)
    i, scale, bias, m, v, c = _bn_parts(C, shape, param_shape, 3.0, 4.0, 2.0)
    bn = C.batch_normalization(i, scale, bias, m, v, spatial, normalization_time_constant=time_constant,
                               epsilon=0.01, running_count=c)
    data = (np.arange(36, dtype=F32).reshape((3,) + shape) % 7) * 1.5
    grads, value = bn.grad({i: data}, wrt=[scale, bias], outputs=[bn.output])
    return {"value": value, "grad_scale": grads[scale], "grad_bias": grads[bias], "mean": m.value,
            "variance": v.value, "count": np.asarray(c.value), "after": bn.eval({i: data})}


def _batch_norm_spatial(C):
    return _batch_norm_training(C, True, -1)


def _batch_norm_elementwise(C):
    return _batch_norm_training(C, False, 5000)


def _batch_norm_layer_shapes(C):
    x = C.input_variable((3, 4, 2))
    out = {}
    for tag, layer in (("spatial", C.layers.BatchNormalization(map_rank=1)), ("elementwise", C.layers.BatchNormalization())):
        f = layer(x)
        for p in list(f.parameters) + list(f.constants):
            out["%s_%s_shape" % (tag, p.name)] = np.asarray(p.shape, F32)
            out["%s_%s_is_float32" % (tag, p.name)] = np.asarray(float(p.dtype == np.float32), F32)
    return out


def _local_response_normalization(C):
    data = np.random.RandomState(3).uniform(-1, 1, (1, 5, 2, 3)).astype(F32)
    x = C.input_variable((5, 2, 3))
    f = C.local_response_normalization(x, 1, 2.0, 0.5, 0.75)
    return {"value": f.eval({x: data})}


def _mean_variance_normalization(C):
    data = np.array([[[[0, 2], [4, 6]], [[0, 4], [8, 13]]]], F32)
    x = C.input_variable((2, 2, 2))
    out = {}
    for tag, kw in (("per_channel", {}), ("across", {"use_stats_across_channels": True}),
                    ("centre_only", {"do_variance_scaling": False}), ("eps", {"epsilon": 0.1})):
        out[tag] = C.mean_variance_normalization(x, **kw).eval({x: data})
    return out


def _reduce_batch(C):
    data = np.array([[[1, 2], [3, 4]], [[5, 6], [7, 9]], [[0.5, 1], [2, 8]]], F32)
    x = C.input_variable((2, 2), needs_gradient=True)
    out = {}
    for name in ("reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_log_sum_exp"):
        op = getattr(C, name)
        for tag, axis in (("batch", C.Axis.default_batch_axis()), ("batch_and_1", (C.Axis.default_batch_axis(), 1))):
            f = op(x, axis=axis)
            out["%s_%s" % (name, tag)] = f.eval({x: data})
            out["%s_%s_grad" % (name, tag)] = f.grad({x: data})
    return out


def _assign(C):
    data = np.array([[1, 2], [4, 5]], F32)
    value = C.parameter(init=data)
    dest = C.parameter(shape=data.shape)
    out = {"initial": dest.asarray()}
    a = C.assign(dest, value)
    y = dest + value
    res = C.combine([y, a]).eval()
    out["y_during"], out["assign_out"], out["dest_after_eval"] = res[y.output], res[a.output], dest.asarray()
    dest2 = C.parameter(shape=data.shape)
    a2 = C.assign(dest2, value * 2)
    state, fwd = a2.forward({}, [a2.output], set([a2.output]))
    out["dest_after_forward"] = dest2.asarray()
    grad = a2.backward(state, {a2.output: np.ones_like(data)}, set([dest2]))
    out["dest_after_backward"], out["grad_dest"] = dest2.asarray(), grad[dest2]
    return out


def _eye_like(C):
    data = np.array([[2.1, 4.7], [2.1, 2.1], [1.0, 3.0]], F32)
    x = C.input_variable(2, needs_gradient=True)
    dense = C.eye_like(x, sparse_output=False)
    sparse = C.eye_like(x, sparse_output=True)
    return {"dense": dense.eval({x: data}), "sparse": np.asarray(sparse.eval({x: data}).todense()),
            "static": np.asarray(C.eye_like(data.T, sparse_output=True).eval().todense()),
            "grad": dense.grad({x: data})}


CASES = {
    "unary_edges": _unary_edges, "pow_edges": _pow_edges, "clip": _clip,
    "batch_norm_inference": _batch_norm_inference, "batch_norm_spatial": _batch_norm_spatial,
    "batch_norm_elementwise": _batch_norm_elementwise, "batch_norm_layer_shapes": _batch_norm_layer_shapes,
    "local_response_normalization": _local_response_normalization,
    "mean_variance_normalization": _mean_variance_normalization, "reduce_batch": _reduce_batch,
    "assign": _assign, "eye_like": _eye_like,
}


def main(out_path):
    import cntk as C
    arrays = {}
    for name, case in sorted(CASES.items()):
        for key, value in case(C).items():
            arrays["%s/%s" % (name, key)] = np.asarray(value, dtype=np.float64)
    np.savez_compressed(out_path, **arrays)
    print("wrote %d arrays to %s" % (len(arrays), out_path))


if __name__ == "__main__":
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "tests", "golden", "nonlinear_golden.npz"))
