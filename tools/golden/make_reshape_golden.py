"""Golden data for shape ops and matrix products, produced with the reference CNTK 2.7.

Run with the reference interpreter (any working directory):

    /opt/cntk-ref/bin/python /work/main/tools/golden/make_reshape_golden.py

Writes tests/golden/reshape_golden.npz: for each case ``<name>__<input>`` (input data; per sequence
``<name>__<input>_<i>`` for sequence inputs), ``<name>__out`` (forward output, per sequence
``<name>__out_<i>`` when the output has a sequence axis) and the gradients of
``sum(square(function))``: ``<name>__g<input>`` for inputs marked for gradients and
``<name>__gp<k>`` for the function's parameters in ``parameters`` order. Plain arrays only.

The case table (CASES: name, inputs, builder) is Python 3.6 code parameterised by the module
``C``, so that tests/test_reshaping_linear.py rebuilds exactly the same graphs with cntk-torch.
Inputs are ``(name, kind, shape, grad)``: kind "batch" (4 samples), "seq" (sequences of lengths
3, 1, 2, 2) or "index" (4 samples of integer values below ``shape[1]``, shape ``shape[0]``).
"""
from __future__ import print_function

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from npz_layout import store_float32  # noqa: E402

LENGTHS = [3, 1, 2, 2]


def _batch(name, shape, grad=True):
    return (name, "batch", shape, grad)


def _seq(name, shape, grad=True):
    return (name, "seq", shape, grad)


def _index(name, shape, limit):
    return (name, "index", (shape, limit), False)


def _param(C, shape):
    return C.parameter(shape, init=np.arange(np.prod(shape), dtype=np.float32).reshape(shape) / 10.0 - 0.5)


def _const(C, shape):
    return C.constant(np.arange(np.prod(shape), dtype=np.float32).reshape(shape) / 7.0 - 1.0)


CASES = [
    # products where the right operand carries the data, or both do
    ("times_const_left", [_batch("b", (2, 3))], lambda C, v: C.times(_const(C, (4, 2)), v["b"])),
    ("times_const_left_rank3", [_batch("b", (2, 3))], lambda C, v: C.times(_const(C, (4, 3, 2)), v["b"])),
    ("times_batch_both", [_batch("a", (2, 3)), _batch("b", (3, 2))], lambda C, v: C.times(v["a"], v["b"])),
    ("times_batch_left_seq_right", [_batch("a", (2, 3)), _seq("b", (3, 2))], lambda C, v: C.times(v["a"], v["b"])),
    ("times_param_left_seq_right", [_seq("b", (3,))], lambda C, v: C.times(_param(C, (2, 3)), v["b"])),
    ("times_transpose_const_left", [_batch("b", (3,))], lambda C, v: C.times_transpose(_const(C, (3,)), v["b"])),
    ("times_transpose_param_seq", [_seq("b", (4,))], lambda C, v: C.times_transpose(_param(C, (2, 4)), v["b"])),
    ("times_transpose_batch_both", [_batch("a", (2, 3)), _batch("b", (4, 3))],
     lambda C, v: C.times_transpose(v["a"], v["b"])),
    ("times_reduce_sequence_axis", [_seq("a", (1,)), _seq("b", (3,))],
     lambda C, v: C.times(v["a"], v["b"], output_rank=1,
                          infer_input_rank_to_map=C.TIMES_REDUCE_SEQUENCE_AXIS_WITHOUT_INFERRED_INPUT_RANK)),
    # reshape of a range of axes
    ("reshape_leading_to_end", [_batch("a", (2, 3))], lambda C, v: C.reshape(v["a"], (3, 2), 0, C.Axis.new_leading_axis())),
    ("reshape_insert_front", [_batch("a", (2, 3))], lambda C, v: C.reshape(v["a"], (1,), 0, 0)),
    ("reshape_append", [_batch("a", (2, 3))],
     lambda C, v: C.reshape(v["a"], (1, 1), C.Axis.new_leading_axis(), C.Axis.new_leading_axis())),
    ("reshape_axis_objects", [_batch("a", (2, 3, 5))], lambda C, v: C.reshape(v["a"], (-1,), C.Axis(-3), C.Axis(2))),
    ("reshape_middle", [_batch("a", (6, 5))], lambda C, v: C.reshape(v["a"], (2, -1), 0, 1)),
    ("reshape_to_scalar", [_batch("a", (1, 1))], lambda C, v: C.reshape(v["a"], ())),
    # squeeze / expand_dims, also through a placeholder
    ("squeeze_all", [_batch("a", (1, 3, 1))], lambda C, v: C.squeeze(v["a"])),
    ("squeeze_axes", [_batch("a", (1, 2, 1))], lambda C, v: C.squeeze(v["a"], (0, 2))),
    ("squeeze_placeholder", [_batch("a", (2, 1))], lambda C, v: C.squeeze(C.placeholder(), -1)(v["a"])),
    ("expand_dims_0", [_batch("a", (2, 3))], lambda C, v: C.expand_dims(v["a"], 0)),
    ("expand_dims_1", [_batch("a", (2, 3))], lambda C, v: C.expand_dims(v["a"], 1)),
    ("expand_dims_minus1", [_batch("a", (2, 3))], lambda C, v: C.expand_dims(v["a"], -1)),
    ("expand_dims_minus3", [_batch("a", (2, 3))], lambda C, v: C.expand_dims(v["a"], -3)),
    ("expand_dims_placeholder", [_batch("a", (2, 3))], lambda C, v: C.expand_dims(C.placeholder(), -2)(v["a"])),
    # slices with negative strides, and indexing
    ("slice_stride_minus1", [_batch("a", (2, 4))], lambda C, v: C.slice(v["a"], 1, 0, 3, -1)),
    ("slice_stride_minus2_even", [_batch("a", (4, 2))], lambda C, v: C.slice(v["a"], 0, 0, 4, -2)),
    ("slice_stride_minus2_odd", [_batch("a", (5, 2))], lambda C, v: C.slice(v["a"], 0, 0, 5, -2)),
    ("slice_stride_minus2_negative_begin", [_batch("a", (7,))], lambda C, v: C.slice(v["a"], 0, -5, 0, -2)),
    ("getitem_list", [_batch("a", (2, 3))], lambda C, v: (v["a"] + 0)[0, [2, 0]]),
    ("getitem_step_only", [_batch("a", (5,))], lambda C, v: (v["a"] + 0)[::-1]),
    ("getitem_stride", [_batch("a", (7,))], lambda C, v: (v["a"] + 0)[1::3]),
    # image rearrangements
    ("depth_to_space_2", [_batch("a", (8, 2, 3))], lambda C, v: C.depth_to_space(v["a"], 2)),
    ("depth_to_space_3", [_batch("a", (18, 2, 1))], lambda C, v: C.depth_to_space(v["a"], 3)),
    ("space_to_depth_2", [_batch("a", (2, 4, 6))], lambda C, v: C.space_to_depth(v["a"], 2)),
    # gather along another axis than the first
    ("gather_axis1", [_index("i", (2,), 3)], lambda C, v: C.gather(_param(C, (2, 3, 4)), v["i"], axis=1)),
    ("gather_axis_minus1_matrix", [_index("i", (2, 2), 4)], lambda C, v: C.gather(_param(C, (2, 3, 4)), v["i"], axis=-1)),
    ("gather_axis2_matrix", [_index("i", (2, 2), 4)], lambda C, v: C.gather(_param(C, (2, 3, 4)), v["i"], axis=2)),
]


def make_inputs(C, specs):
    """The input variables of a case, by name."""
    made = {}
    for name, kind, shape, grad in specs:
        if kind == "seq":
            made[name] = C.sequence.input_variable(shape, needs_gradient=grad, name=name)
        elif kind == "index":
            made[name] = C.input_variable(shape[0], name=name)
        else:
            made[name] = C.input_variable(shape, needs_gradient=grad, name=name)
    return made


def make_data(specs, rng):
    """Input data by name: an array (4, *shape) or a list of (length, *shape) arrays."""
    data = {}
    for name, kind, shape, grad in specs:
        if kind == "seq":
            data[name] = [rng.uniform(-1, 1, (n,) + tuple(shape)).astype(np.float32) for n in LENGTHS]
        elif kind == "index":
            data[name] = rng.randint(0, shape[1], (4,) + tuple(shape[0])).astype(np.float32)
        else:
            data[name] = rng.uniform(-1, 1, (4,) + tuple(shape)).astype(np.float32)
    return data


def build(C, case):
    """(function, input variables by name) of a case."""
    variables = make_inputs(C, case[1])
    return case[2](C, variables), variables


def main():
    import cntk as C
    arrays = {}
    for idx, case in enumerate(CASES):
        name, specs = case[0], case[1]
        rng = np.random.RandomState(4321 + idx)
        fn, variables = build(C, case)
        data = make_data(specs, rng)
        feed = {variables[n]: d for n, d in data.items()}
        for n, d in data.items():
            store_float32(arrays, "%s__%s" % (name, n), d)
        store_float32(arrays, name + "__out", fn.eval(feed))
        params = list(fn.parameters)
        wrt = [variables[s[0]] for s in specs if s[3]] + params
        grads = C.square(fn).grad(feed, wrt=wrt)
        if not isinstance(grads, dict):  # one variable asked for: CNTK returns its gradient alone
            grads = {wrt[0]: grads}
        for s in specs:
            if s[3]:
                store_float32(arrays, "%s__g%s" % (name, s[0]), grads[variables[s[0]]])
        for k, p in enumerate(params):
            store_float32(arrays, "%s__gp%d" % (name, k), grads[p])
        print(name, fn.output.shape, fn.output.dynamic_axes)
    out_dir = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                           "tests", "golden")
    np.savez_compressed(os.path.join(out_dir, "reshape_golden.npz"), **arrays)


if __name__ == "__main__":
    main()
