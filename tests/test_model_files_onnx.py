"""ONNX export and import (the optional ``onnx`` extra: ``pip install 'cntk-torch[onnx]'``).

Exports run in onnxruntime on whole ragged batches (dynamic batch and sequence axes) and must give
CNTK's outputs; models the exporter cannot translate fail with an error naming the op."""
import os

import numpy as np
import pytest

import cntk as C
from model_file_helpers import CNTK27, assert_close, entry

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

EXPORTABLE = ["dense", "dense_f64", "float16_cast", "emb_lstm_dense", "emb_lstm_sparse", "fold_lstm_init01",
              "rnnstep_tanh_backward", "stacked_lstm_dropout", "bilstm", "trained_classifier"]
NOT_EXPORTABLE = {"gru": "GRU", "rnnstep": "activation is not tanh or relu", "lstm_peep_stab": "peepholes",
                  "lstm_cellshape": "projection", "recurrence_from": "cell state", "seq_ops": "PastValue",
                  "unfold": "PastValue"}


def _run(path, e, npz):
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    declared = {i.name for i in session.get_inputs()}
    feed = {}
    for i in e["inputs"]:
        feed[i["name"]] = npz[i["npz_key"]]
        if "lengths_key" in i and i["name"] + "__lengths" in declared:
            feed[i["name"] + "__lengths"] = npz[i["lengths_key"]].astype(np.int64)
    return session.run(None, feed)


@pytest.mark.parametrize("name", EXPORTABLE)
def test_export_runs_in_onnxruntime_with_cntks_outputs(name, tmp_path):
    e = entry(name)
    npz = np.load(os.path.join(CNTK27, e["npz"]))
    z = C.load_model(os.path.join(CNTK27, e["files"]["cntkv2"]))
    path = str(tmp_path / (name + ".onnx"))
    z.save(path, format=C.ModelFormat.ONNX)
    model = onnx.load(path)
    onnx.checker.check_model(model)
    first = model.graph.input[0].type.tensor_type.shape.dim
    assert first[0].dim_param == "batch"                      # not fixed to 1, unlike CNTK 2.7's exporter
    tol = (5e-3, 5e-3) if name == "float16_cast" else (e["tolerance"]["rtol"], e["tolerance"]["atol"])
    for o, got in zip(e["outputs"], _run(path, e, npz)):
        ref = npz[o["npz_key"]]
        if "lengths_key" in o:
            lengths = npz[o["lengths_key"]]
            assert_close([got[b, :n] for b, n in enumerate(lengths)], [ref[b, :n] for b, n in enumerate(lengths)],
                         *tol, what=name)
        else:
            assert_close(got, ref, *tol, what=name)


def test_recurrences_become_onnx_rnn_ops(tmp_path):
    for name, op in (("bilstm", "LSTM"), ("rnnstep_tanh_backward", "RNN")):
        z = C.load_model(os.path.join(CNTK27, name + ".model"))
        path = str(tmp_path / (name + ".onnx"))
        z.save(path, format=C.ModelFormat.ONNX)
        assert op in {n.op_type for n in onnx.load(path).graph.node}


@pytest.mark.parametrize("name,why", sorted(NOT_EXPORTABLE.items()))
def test_untranslatable_models_name_the_op(name, why, tmp_path):
    z = C.load_model(os.path.join(CNTK27, name + ".model"))
    with pytest.raises(NotImplementedError) as err:
        z.save(str(tmp_path / "x.onnx"), format=C.ModelFormat.ONNX)
    assert "ONNX export of" in str(err.value) and why in str(err.value)


def test_a_model_built_here_exports(tmp_path):
    x = C.sequence.input_variable(4, name="x")
    z = C.layers.Sequential([C.layers.Recurrence(C.layers.LSTM(3)), C.sequence.last, C.layers.Dense(2)])(x)
    rng = np.random.RandomState(0)
    lengths = np.array([2, 5, 1])
    data = rng.standard_normal((3, 5, 4)).astype(np.float32)
    path = str(tmp_path / "m.onnx")
    z.save(path, format=C.ModelFormat.ONNX)
    got = ort.InferenceSession(path).run(None, {"x": data, "x__lengths": lengths.astype(np.int64)})[0]
    expected = z.eval({x: [data[b, :n] for b, n in enumerate(lengths)]})
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["dense", "dense_f64", "float16_cast"])
def test_import_onnx_files(name, tmp_path):
    e = entry(name)
    npz = np.load(os.path.join(CNTK27, e["npz"]))
    x = npz[e["inputs"][0]["npz_key"]]
    expected = npz[e["outputs"][0]["npz_key"]]
    tol = 5e-3 if name == "float16_cast" else 1e-5
    # CNTK 2.7's own export (batch fixed to 1 there; the first dimension is taken as the batch axis here)
    theirs = C.load_model(os.path.join(CNTK27, name + ".onnx"), format=C.ModelFormat.ONNX)
    np.testing.assert_allclose(theirs.eval({theirs.arguments[0]: x}), expected, rtol=tol, atol=tol)
    z = C.load_model(os.path.join(CNTK27, name + ".model"))
    path = str(tmp_path / "ours.onnx")
    z.save(path, format=C.ModelFormat.ONNX)
    ours = C.load_model(path, format=C.ModelFormat.ONNX)
    np.testing.assert_allclose(ours.eval({ours.arguments[0]: x}), expected, rtol=tol, atol=tol)


def test_importing_recurrent_onnx_names_the_op():
    with pytest.raises(NotImplementedError, match="ONNX op LSTM"):
        C.load_model(os.path.join(CNTK27, "emb_lstm_dense.onnx"), format=C.ModelFormat.ONNX)
    with pytest.raises(ValueError, match="not a valid ONNX model"):
        C.load_model(os.path.join(CNTK27, "dense.model"), format=C.ModelFormat.ONNX)
