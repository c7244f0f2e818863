"""Shared helpers of the model-file tests (tests/test_model_files_*.py)."""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data", "models")
CNTK27 = os.path.join(DATA, "cntk27")
REAL = os.path.join(DATA, "real")
SAVED = os.path.join(DATA, "saved_by_cntk_torch")
REFERENCE = os.path.join(DATA, "cntk_reference")
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tools", "golden"))

from npz_layout import unpack  # noqa: E402,F401  (re-exported for the model-file tests)


def manifest():
    """The fixture manifest's model entries."""
    with open(os.path.join(CNTK27, "manifest.json")) as f:
        return json.load(f)["models"]


def entry(name):
    """One manifest entry by model name."""
    return next(e for e in manifest() if e["name"] == name)


def fixture_inputs(e, npz):
    """Argument name -> data (per-sequence lists for sequence inputs) of a manifest entry."""
    out = {}
    for i in e["inputs"]:
        x = npz[i["npz_key"]]
        if "lengths_key" in i:
            x = [x[b, :n] for b, n in enumerate(npz[i["lengths_key"]])]
        out[i["name"]] = x
    return out


def fixture_outputs(e, npz):
    """CNTK's outputs of a manifest entry (per-sequence lists for sequence outputs)."""
    outs = []
    for o in e["outputs"]:
        x = npz[o["npz_key"]]
        if "lengths_key" in o:
            x = [x[b, :n] for b, n in enumerate(npz[o["lengths_key"]])]
        outs.append(x)
    return outs


def evaluate(f, inputs):
    """Outputs of f in f.outputs order, for inputs given by argument name."""
    result = f.eval({a: inputs[a.name] for a in f.arguments})
    if isinstance(result, dict):
        return [result[o] for o in f.outputs]
    return [result]


def assert_close(actual, expected, rtol, atol, what):
    """Compare values or per-sequence lists (shapes must match exactly)."""
    if isinstance(expected, list):
        assert isinstance(actual, list), "%s: expected %d sequences, got %s" % (what, len(expected), type(actual))
        assert len(actual) == len(expected), "%s: %d sequences, expected %d" % (what, len(actual), len(expected))
        for k, (a, b) in enumerate(zip(actual, expected)):
            assert_close(a, b, rtol, atol, "%s[sequence %d]" % (what, k))
        return
    actual = np.asarray(actual)
    assert actual.shape == np.shape(expected), "%s: shape %s, expected %s" % (what, actual.shape, np.shape(expected))
    np.testing.assert_allclose(actual.astype(np.float64), np.asarray(expected, np.float64), rtol=rtol, atol=atol,
                               err_msg=what)


def read(path):
    """A file's bytes."""
    with open(path, "rb") as f:
        return f.read()
