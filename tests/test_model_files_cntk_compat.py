"""Files cntk-torch saves load in CNTK 2.7 with the same outputs, and files CNTK 2.7 saves of the same
models load here with CNTK's outputs (golden data from tools/golden/make_model_golden.py; no CNTK
needed to run these tests)."""
import json
import os
import re
import sys

import numpy as np
import pytest

import cntk as C
from cntk._serialization.model_io import model_bytes
from cntk._serialization.values import decode_dictionary
from model_file_helpers import REFERENCE, ROOT, SAVED, assert_close, evaluate, read, unpack

sys.path.insert(0, os.path.join(ROOT, "tools", "golden"))
import model_cases  # noqa: E402

CASES = [c.__name__ for c in model_cases.CASES]
with open(os.path.join(REFERENCE, "cases.json")) as _f:
    SUMMARY = json.load(_f)["cases"]


def _tol(values):
    flat = values[0] if isinstance(values, list) and values else values
    if np.asarray(flat).dtype == np.float64:
        return 1e-9, 1e-11
    return 1e-5, 1e-6


def _inputs(name):
    saved = np.load(os.path.join(SAVED, name + ".npz"))
    return {str(k): unpack(saved, "in_" + str(k)) for k in saved["arguments"]}


@pytest.mark.parametrize("name", CASES)
def test_cntk_loads_our_file_with_our_outputs(name):
    info = SUMMARY[name]
    assert "file_error" not in info, "CNTK 2.7 could not use our file: %s" % info["file_error"]
    ref = np.load(os.path.join(REFERENCE, name + ".npz"))
    ours = C.load_model(os.path.join(SAVED, name + ".model"))
    got = evaluate(ours, _inputs(name))
    for k, value in enumerate(got):
        expected = unpack(ref, "file_out_%d" % k)
        assert_close(value, expected, *_tol(expected), what="%s output %d" % (name, k))
    assert [a.name for a in ours.arguments] == info["file_arguments"]
    assert [[list(o.shape), [a.name for a in o.dynamic_axes]] for o in ours.outputs] == \
        [[shape, axes] for shape, axes in info["file_outputs"]]


@pytest.mark.parametrize("name", CASES)
def test_we_load_cntks_file_of_the_same_model(name):
    info = SUMMARY[name]
    assert "native_error" not in info, info.get("native_error")
    ref = np.load(os.path.join(REFERENCE, name + ".npz"))
    theirs = C.load_model(os.path.join(REFERENCE, name + ".model"))
    assert [a.name for a in theirs.arguments] == info["native_arguments"]
    got = evaluate(theirs, _inputs(name))
    for k, value in enumerate(got):
        expected = unpack(ref, "native_out_%d" % k)
        assert_close(value, expected, *_tol(expected), what="%s output %d" % (name, k))


_UID = re.compile(r"[A-Z][A-Za-z]*\d+")


def canonical(data):
    """A model dictionary as text with uids renamed in order of appearance (saves of the same graph
    made in different processes differ only in uids)."""
    def plain(v):
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, list):
            return [plain(x) for x in v]
        if isinstance(v, np.ndarray):
            return ("array", str(v.dtype), v.shape, np.round(v.astype(np.float64), 6).tolist())
        return (type(v).__name__, v)
    text = repr(plain(decode_dictionary(memoryview(data))))
    names = {}
    return _UID.sub(lambda m: names.setdefault(m.group(0), "U%d" % len(names)), text)


@pytest.mark.parametrize("name", CASES)
def test_writer_output_is_unchanged(name):
    """A fresh save of the case equals the committed file that CNTK 2.7 was checked with (uids aside);
    if Function.save changes on purpose, rerun both steps of tools/golden/make_model_golden.py."""
    f, inputs = model_cases.build(C, name)
    assert canonical(model_bytes(f)) == canonical(read(os.path.join(SAVED, name + ".model")))
    saved = np.load(os.path.join(SAVED, name + ".npz"))
    for k, value in enumerate(evaluate(f, _inputs(name))):
        expected = unpack(saved, "out_%d" % k)
        assert_close(value, expected, *_tol(expected), what="%s output %d" % (name, k))


with open(os.path.join(REFERENCE, "cases.json")) as _f:
    FIXTURE_RESAVES = json.load(_f)["fixture_resaves"]


@pytest.mark.parametrize("name", sorted(FIXTURE_RESAVES))
def test_cntk_gets_its_own_outputs_from_our_resaves_of_its_files(name):
    """The 17 CNTK-made fixtures, loaded and saved again by cntk-torch, give CNTK 2.7 exactly the outputs
    of the original files; a fresh re-save still writes the same records (uids aside)."""
    assert FIXTURE_RESAVES[name] == 0.0, FIXTURE_RESAVES[name]
    from model_file_helpers import CNTK27
    fresh = model_bytes(C.load_model(os.path.join(CNTK27, name + ".model")))
    assert canonical(fresh) == canonical(read(os.path.join(SAVED, "fixture_%s.model" % name)))
