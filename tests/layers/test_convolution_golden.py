"""Convolution and pooling (ops and layers) against golden data from the reference CNTK 2.7
(tools/golden/make_conv_golden.py, tests/golden/conv_golden.npz).

Each case rebuilds the same model with cntk-torch, checks the parameter shapes, assigns the
reference's parameter values by order and compares the output and the gradients of
``sum(square(model))`` with respect to the parameters and the input (relative 1e-5).
"""
import importlib.util
import os

import numpy as np
import pytest

import cntk as C

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_spec = importlib.util.spec_from_file_location("make_conv_golden", os.path.join(ROOT, "tools", "golden",
                                                                                "make_conv_golden.py"))
G = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(G)

ARRAYS = dict(np.load(os.path.join(ROOT, "tests", "golden", "conv_golden.npz"), allow_pickle=False))
RTOL, ATOL = 1e-5, 1e-5


def _close(actual, expected, what):
    actual = np.asarray(actual, dtype=np.float32)
    assert actual.shape == expected.shape, "%s: shape %s != %s" % (what, actual.shape, expected.shape)
    scale = max(1.0, float(np.abs(expected).max()) if expected.size else 1.0)
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL * scale, err_msg=what)


def _stored(key, sequences):
    if sequences is None:
        return ARRAYS[key]
    return [ARRAYS["%s_%d" % (key, i)] for i in range(sequences)]


def _compare(actual, key, sequences):
    expected = _stored(key, sequences)
    if sequences is None:
        _close(actual, expected, key)
        return
    assert len(actual) == sequences, key
    for i, (a, e) in enumerate(zip(actual, expected)):
        _close(a, e, "%s[%d]" % (key, i))


@pytest.mark.parametrize("case", G.CASES, ids=[c[0] for c in G.CASES])
def test_convolution_matches_reference(case):
    name, spec = case[0], case[1]
    compared = case[3]["grads"] if len(case) > 3 else None
    model, x = G.build(C, case)
    sequences = len(spec["lengths"]) if spec["kind"] == "seq" else None
    params = list(model.parameters)
    for k, p in enumerate(params):
        value = ARRAYS["%s__p%d" % (name, k)]
        assert p.shape == value.shape, "parameter %d (%s): shape %s, reference %s" % (k, p.name, p.shape, value.shape)
        p.value = value
    assert not any(key.startswith("%s__p%d" % (name, len(params))) for key in ARRAYS), "fewer parameters than CNTK"
    data = _stored(name + "__x", sequences)
    _compare(model.eval({x: data}), name + "__out", sequences)
    grads = C.square(model).grad({x: data}, wrt=params + [x])
    if not isinstance(grads, dict):
        grads = {x: grads}
    for k, p in enumerate(params):
        if compared is None or k in compared:
            _close(grads[p], ARRAYS["%s__gp%d" % (name, k)], "%s__gp%d" % (name, k))
    if compared is None:
        _compare(grads[x], name + "__gx", sequences)


def test_pooling_types_and_padding_errors():
    x = C.input_variable((3, 7, 9))
    assert C.pooling(x, C.MAX_POOLING, (3, 3), strides=(2, 2), auto_padding=[True, False]).shape == (3, 4, 4)
    assert C.convolution(C.parameter((2, 3, 3, 3)), x).shape == (6, 7, 9)   # CNTK also slides over padded channels
    with pytest.raises(ValueError):
        C.pooling(x, C.MAX_POOLING, (-2,), auto_padding=[True])
    with pytest.raises(ValueError):
        C.convolution(C.parameter((2, 3, 9, 9)), x)
    with pytest.raises(ValueError):
        C.layers.Convolution1D((2, 3))
