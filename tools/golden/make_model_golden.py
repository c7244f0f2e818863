"""Golden data for model files: files cntk-torch saves must load in CNTK 2.7 with the same outputs,
and files CNTK 2.7 saves must load in cntk-torch.

Two steps, one per interpreter (the cases are in model_cases.py, plain Python 3.6 code):

1. With cntk-torch, from the repository root:
       .venv/bin/python tools/golden/make_model_golden.py save
   builds every case, saves it with ``Function.save`` to tests/data/models/saved_by_cntk_torch/<case>.model
   and writes the inputs and cntk-torch's outputs to <case>.npz beside it.
2. With the reference CNTK 2.7:
       /opt/cntk-ref/bin/python tools/golden/make_model_golden.py reference
   loads each saved file in CNTK 2.7 and evaluates it on the same inputs; builds the same case natively
   in CNTK, evaluates it and saves CNTK's own file. Writes tests/data/models/cntk_reference/<case>.npz
   (``file_out_<k>``: CNTK's outputs for our file, ``native_out_<k>``: for its own build),
   <case>.model (CNTK's save) and cases.json (argument names, output shapes, errors; and, under
   ``fixture_resaves``, how far CNTK's outputs for the 17 fixtures as re-saved by cntk-torch
   (``fixture_<name>.model``) are from its outputs for the original files). It also
   evaluates the real model tests/data/models/real/solar_2000ep.dnn on seeded inputs
   (solar_2000ep_reference.npz beside it).

Naming cases after the step (``save gather_scatter``) regenerates only those (fixtures and the real
model are then left as they are).

tests/test_model_files_cntk_compat.py compares against these without CNTK installed.
"""
from __future__ import print_function

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SAVED = os.path.join(ROOT, "tests", "data", "models", "saved_by_cntk_torch")
REFERENCE = os.path.join(ROOT, "tests", "data", "models", "cntk_reference")
REAL = os.path.join(ROOT, "tests", "data", "models", "real")
FIXTURES = os.path.join(ROOT, "tests", "data", "models", "cntk27")
sys.path.insert(0, HERE)

import model_cases  # noqa: E402
from npz_layout import pack, unpack  # noqa: E402


def evaluate(f, inputs):
    """Outputs of f (in f.outputs order) for inputs given by argument name."""
    result = f.eval(dict((a, inputs[a.name]) for a in f.arguments))
    if isinstance(result, dict):
        return [result[o] for o in f.outputs]
    return [result]


def _selected(only):
    """The cases to (re)generate: all, or those named on the command line."""
    return [c for c in model_cases.CASES if not only or c.__name__ in only]


def save_step(only=()):
    import cntk as C
    if not os.path.isdir(SAVED):
        os.makedirs(SAVED)
    for case in _selected(only):
        name = case.__name__
        f, inputs = model_cases.build(C, name)
        f.save(os.path.join(SAVED, name + ".model"))
        out = {"arguments": np.array([a.name for a in f.arguments])}
        for k, v in inputs.items():
            pack(out, "in_" + k, v)
        for k, v in enumerate(evaluate(f, inputs)):
            pack(out, "out_%d" % k, v)
        np.savez(os.path.join(SAVED, name + ".npz"), **out)
        print("saved", name)
    if only:
        return
    for e in _fixture_entries():
        f = C.load_model(os.path.join(FIXTURES, e["files"]["cntkv2"]))
        f.save(os.path.join(SAVED, "fixture_%s.model" % e["name"]))
        print("re-saved fixture", e["name"])


def _fixture_entries():
    with open(os.path.join(FIXTURES, "manifest.json")) as fh:
        return json.load(fh)["models"]


def fixture_resave_step(C):
    """CNTK 2.7's outputs for the fixtures as loaded and re-saved by cntk-torch: the largest difference
    from CNTK's outputs for the original files, per fixture."""
    diffs = {}
    for e in _fixture_entries():
        npz = np.load(os.path.join(FIXTURES, e["npz"]))
        try:
            z = C.load_model(os.path.join(SAVED, "fixture_%s.model" % e["name"]))
            feed = {}
            for arg, i in zip(z.arguments, e["inputs"]):
                if i.get("is_sparse"):
                    rows = npz[i["indices_key"]]
                    feed[arg] = C.Value.one_hot([[int(k) for k in r[r >= 0]] for r in rows], i["shape"][0])
                elif "lengths_key" in i:
                    feed[arg] = [npz[i["npz_key"]][b, :n] for b, n in enumerate(npz[i["lengths_key"]])]
                else:
                    feed[arg] = npz[i["npz_key"]]
            result = z.eval(feed)
            outs = [result[o] for o in z.outputs] if isinstance(result, dict) else [result]
            worst = 0.0
            for o, got in zip(e["outputs"], outs):
                ref = npz[o["npz_key"]]
                if "lengths_key" in o:
                    for b, n in enumerate(npz[o["lengths_key"]]):
                        if n:
                            worst = max(worst, float(np.max(np.abs(np.asarray(got[b]) - ref[b, :n]))))
                else:
                    worst = max(worst, float(np.max(np.abs(np.asarray(got) - ref))))
            diffs[e["name"]] = worst
        except Exception as err:
            diffs[e["name"]] = "%s: %s" % (type(err).__name__, str(err).split("\n")[0])
        print("fixture", e["name"], diffs[e["name"]])
    return diffs


def reference_step(only=()):
    import cntk as C
    if not os.path.isdir(REFERENCE):
        os.makedirs(REFERENCE)
    summary = {"cntk_version": C.__version__, "cases": {}}
    if only:  # refresh the named cases' entries, keep the rest
        with open(os.path.join(REFERENCE, "cases.json")) as fh:
            summary = json.load(fh)
    for case in _selected(only):
        name = case.__name__
        saved = np.load(os.path.join(SAVED, name + ".npz"))
        names = [str(a) for a in saved["arguments"]]
        inputs = dict((k, unpack(saved, "in_" + k)) for k in names)
        info = {}
        out = {}
        try:
            g = C.load_model(os.path.join(SAVED, name + ".model"))
            info["file_arguments"] = [a.name for a in g.arguments]
            info["file_outputs"] = [[list(o.shape), [ax.name for ax in o.dynamic_axes]] for o in g.outputs]
            for k, v in enumerate(evaluate(g, inputs)):
                pack(out, "file_out_%d" % k, v)
        except Exception as err:  # recorded; the test fails for this case
            info["file_error"] = "%s: %s" % (type(err).__name__, str(err).split("\n")[0])
        try:
            f, _ = model_cases.build(C, name)
            info["native_arguments"] = [a.name for a in f.arguments]
            for k, v in enumerate(evaluate(f, inputs)):
                pack(out, "native_out_%d" % k, v)
            f.save(os.path.join(REFERENCE, name + ".model"))
        except Exception as err:
            info["native_error"] = "%s: %s" % (type(err).__name__, str(err).split("\n")[0])
        np.savez(os.path.join(REFERENCE, name + ".npz"), **out)
        summary["cases"][name] = info
        print(name, info.get("file_error", "file ok"), info.get("native_error", "native ok"))
    if not only:
        summary["fixture_resaves"] = fixture_resave_step(C)
    with open(os.path.join(REFERENCE, "cases.json"), "w") as fh:
        json.dump(summary, fh, indent=1, sort_keys=True)
    if not only:
        real_model_step(C)


def real_model_step(C):
    """CNTK's outputs of the real model solar_2000ep.dnn on seeded readings (normalised as its scoring
    code does: readings / 20000, values in [0, 1])."""
    z = C.load_model(os.path.join(REAL, "solar_2000ep.dnn"))
    rng = np.random.RandomState(2000)
    seqs = [rng.uniform(0.0, 1.0, (n, 1)).astype(np.float32) for n in (14, 5, 20, 1, 14)]
    out = {"arguments": np.array([a.name for a in z.arguments]),
           "output_shape": np.array(z.output.shape), "parameters": np.array([p.uid for p in z.parameters])}
    pack(out, "in_0", seqs)
    pack(out, "out_0", evaluate(z, dict((a.name, seqs) for a in z.arguments))[0])
    np.savez(os.path.join(REAL, "solar_2000ep_reference.npz"), **out)
    print("solar_2000ep: output shape", z.output.shape)


if __name__ == "__main__":
    step = sys.argv[1] if len(sys.argv) > 1 else ""
    if step == "save":
        sys.path.insert(0, ROOT)
        save_step(sys.argv[2:])
    elif step == "reference":
        reference_step(sys.argv[2:])
    else:
        sys.exit("usage: make_model_golden.py save|reference [CASE ...] (see the docstring)")
