"""Golden data for convolution and pooling (ops and layers), produced with the reference CNTK 2.7.

Run with the reference interpreter (any working directory):

    /opt/cntk-ref/bin/python /work/main/tools/golden/make_conv_golden.py

Writes tests/golden/conv_golden.npz: for each case ``<name>__x`` (input; per sequence
``<name>__x_<i>`` for sequence inputs), ``<name>__p<k>`` (parameter values, assigned in the order
of ``model.parameters``), ``<name>__out`` / ``<name>__out_<i>`` (forward output) and the
gradients of ``sum(square(model))``: ``<name>__gx`` / ``<name>__gx_<i>`` and ``<name>__gp<k>``.
Plain arrays only (no pickled objects).

The case table (CASES: name, input, builder[, options]) is Python 3.6 code parameterised by the
module ``C``, so the test (tests/layers/test_convolution_golden.py) rebuilds exactly the same models
with cntk-torch. Option ``grads``: the indices of the only parameter gradients to compare.
"""
from __future__ import print_function

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from npz_layout import store_float32  # noqa: E402

LENGTHS = [3, 1, 5, 2]
LONG_LENGTHS = [3, 4, 6, 3]


def _static(shape, n=2):
    return {"kind": "static", "shape": shape, "n": n}


def _seq(shape, lengths=LENGTHS):
    return {"kind": "seq", "shape": shape, "lengths": lengths}


def _layer(make):
    return lambda C, x: make(C)(x)


CASES = [
    ("conv2d_pad", _static((2, 7, 8)), _layer(lambda C: C.layers.Convolution((3, 3), 4, pad=True))),
    ("conv2d_nopad_stride2", _static((2, 7, 8)), _layer(lambda C: C.layers.Convolution((3, 3), 4, pad=False, strides=2))),
    ("conv2d_even_pad_strides", _static((2, 7, 9)),
     _layer(lambda C: C.layers.Convolution((2, 4), 3, pad=True, strides=(2, 3)))),
    ("conv2d_even_pad", _static((1, 6, 5)), _layer(lambda C: C.layers.Convolution((4, 2), 3, pad=True))),
    ("conv2d_mixed_pad_relu", _static((3, 6, 7)),
     _layer(lambda C: C.layers.Convolution((3, 2), 2, pad=(True, False), strides=(1, 2), activation=C.relu))),
    ("conv2d_rr0_nobias", _static((6, 7)),
     _layer(lambda C: C.layers.Convolution((3, 3), reduction_rank=0, pad=True, bias=False))),
    ("conv1d_pad_stride2", _static((3, 9)), _layer(lambda C: C.layers.Convolution1D(3, 2, pad=True, strides=2))),
    ("conv3d_nopad", _static((2, 4, 5, 4)), _layer(lambda C: C.layers.Convolution3D((2, 3, 2), 2, pad=False))),
    ("seqconv_pad", _seq((2, 5)), _layer(lambda C: C.layers.SequentialConvolution((3, 2), 3, pad=True))),
    ("seqconv_nopad_stride2", _seq((2, 5), LONG_LENGTHS),
     _layer(lambda C: C.layers.SequentialConvolution((3, 2), 2, pad=False, strides=(2, 1)))),
    ("seqconv_rr0_scalar", _seq((), LONG_LENGTHS),
     _layer(lambda C: C.layers.SequentialConvolution(3, reduction_rank=0, pad=True, bias=False))),
    ("maxpool_pad_stride2", _static((2, 7, 8)), _layer(lambda C: C.layers.MaxPooling((3, 3), strides=2, pad=True))),
    ("maxpool_even", _static((2, 7, 8)), _layer(lambda C: C.layers.MaxPooling((2, 2), strides=2))),
    ("avgpool_pad", _static((2, 7, 8)), _layer(lambda C: C.layers.AveragePooling((3, 2), strides=(2, 1), pad=True))),
    ("avgpool_nopad", _static((2, 7, 8)), _layer(lambda C: C.layers.AveragePooling((2, 2), strides=2))),
    ("pool_max_ceil", _static((2, 8, 8)),
     lambda C, x: C.pooling(x, C.MAX_POOLING, (3, 3), strides=(2, 2), ceil_out_dim=True)),
    # (CNTK 2.7 reads past its buffers when ceil_out_dim and auto_padding are combined, so that pair is left out)
    ("pool_avg_ceil_include", _static((2, 8, 8)),
     lambda C, x: C.pooling(x, C.AVG_POOLING, (3, 3), strides=(2, 2), ceil_out_dim=True, include_pad=True)),
    ("pool_avg_pad_include", _static((2, 7, 8)),
     lambda C, x: C.pooling(x, C.AVG_POOLING, (3, 3), strides=(2, 2), auto_padding=[True], include_pad=True)),
    ("pool_avg_pad_exclude", _static((2, 8, 7)),
     lambda C, x: C.pooling(x, C.AVG_POOLING, (4, 3), strides=(2, 2), auto_padding=[True])),
    ("global_max", _static((3, 5, 6)), _layer(lambda C: C.layers.GlobalMaxPooling())),
    ("global_avg", _static((3, 5, 6)), _layer(lambda C: C.layers.GlobalAveragePooling())),
    ("convT_pad_output_shape", _static((3, 4, 5)),
     _layer(lambda C: C.layers.ConvolutionTranspose((3, 3), 2, strides=2, pad=True, output_shape=(8, 10)))),
    ("convT_nopad", _static((3, 4, 5)),
     _layer(lambda C: C.layers.ConvolutionTranspose((2, 3), 2, strides=(2, 1), pad=False))),
    # CNTK 2.7 back-propagates through unpooling by max-pooling the incoming gradient (a window whose
    # routed gradient is negative gets 0); we keep the exact gradient, so for this case only the
    # gradients of the parameters after the unpooling (the transposed convolution's W and b) compare.
    ("conv_pool_unpool_deconv", _static((1, 4, 6)), lambda C, x: _conv_pool_unpool(C, x), {"grads": [0, 1]}),
]


def _conv_pool_unpool(C, x):
    conv = C.layers.Convolution((2, 2), 2, pad=True)(x)
    pool = C.layers.MaxPooling((2, 2), (2, 2))(conv)
    unpool = C.layers.MaxUnpooling((2, 2), (2, 2))(pool, conv)
    return C.layers.ConvolutionTranspose((2, 2), 1, pad=True)(unpool)


def make_input(C, spec):
    """The input variable of a case (sequence inputs on the default sequence axis)."""
    if spec["kind"] == "seq":
        return C.sequence.input_variable(spec["shape"], needs_gradient=True, name="x")
    return C.input_variable(spec["shape"], needs_gradient=True, name="x")


def make_data(spec, rng):
    """Input data: an array (N, *shape) or a list of (length, *shape) arrays."""
    if spec["kind"] == "seq":
        return [rng.uniform(-1, 1, (n,) + tuple(spec["shape"])).astype(np.float32) for n in spec["lengths"]]
    return rng.uniform(-1, 1, (spec["n"],) + tuple(spec["shape"])).astype(np.float32)


def build(C, case):
    """(model, input variable) of a case."""
    spec, make = case[1], case[2]
    x = make_input(C, spec)
    return make(C, x), x


def main():
    import cntk as C
    arrays = {}
    for idx, case in enumerate(CASES):
        name, spec = case[0], case[1]
        rng = np.random.RandomState(1234 + idx)
        model, x = build(C, case)
        params = list(model.parameters)
        for k, p in enumerate(params):
            p.value = rng.uniform(-1, 1, p.shape).astype(np.float32)
            arrays["%s__p%d" % (name, k)] = p.value
        data = make_data(spec, rng)
        store_float32(arrays, name + "__x", data)
        store_float32(arrays, name + "__out", model.eval({x: data}))
        grads = C.square(model).grad({x: data}, wrt=params + [x])
        if not isinstance(grads, dict):  # one variable asked for: CNTK returns its gradient alone
            grads = {x: grads}
        for k, p in enumerate(params):
            arrays["%s__gp%d" % (name, k)] = np.asarray(grads[p], dtype=np.float32)
        store_float32(arrays, name + "__gx", grads[x])
        print(name, model.output.shape, [p.shape for p in params])
    out_dir = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                           "tests", "golden")
    if not os.path.isdir(out_dir):
        os.makedirs(out_dir)
    np.savez_compressed(os.path.join(out_dir, "conv_golden.npz"), **arrays)


if __name__ == "__main__":
    main()
