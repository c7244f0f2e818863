"""``python -m cntk info MODEL`` and `cntk.to_torch`."""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import cntk as C
from cntk._serialization.info import main
from model_file_helpers import CNTK27, ROOT, entry, fixture_inputs, fixture_outputs


def test_info_lists_inputs_outputs_parameters_and_layers(capsys):
    assert main(["info", os.path.join(CNTK27, "trained_classifier.model")]) == 0
    text = capsys.readouterr().out
    for piece in ["Inputs (1, in argument order):", "words", "Input22065", "[defaultBatchAxis, defaultDynamicAxis]",
                  "Outputs (1):", "classify", "Block22946_Output_0", "Parameters (6 tensors, 651 values):",
                  "classify.W", "(8, 3)", "embed.E", "Embedding 'embed' -> (8)", "LSTM -> (8), (8)",
                  "Dense 'classify' -> (3)", "Primitive ops:"]:
        assert piece in text, piece


def test_info_on_a_checkpoint_and_on_bad_files(capsys):
    assert main(["info", os.path.join(CNTK27, "trained_classifier_checkpoint.model.ckp")]) == 0
    assert "240 samples, 30 minibatches" in capsys.readouterr().out
    assert main(["info", os.path.join(CNTK27, "dense_v1legacy.model")]) == 1
    assert "legacy CNTK v1" in capsys.readouterr().err
    assert main(["info", "/nonexistent.model"]) == 1


def test_python_dash_m_cntk_info():
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-m", "cntk", "info", os.path.join(CNTK27, "dense.model")],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Dense 'dense' -> (3)" in out.stdout and "dense.W" in out.stdout


def _padded(e, npz):
    i = e["inputs"][0]
    return torch.tensor(npz[i["npz_key"]]), torch.tensor(npz[i["lengths_key"]]) if "lengths_key" in i else None


@pytest.mark.parametrize("name", ["trained_classifier", "bilstm", "dense_f64"])
def test_to_torch_computes_the_model(name):
    e = entry(name)
    npz = np.load(os.path.join(CNTK27, e["npz"]))
    z = C.load_model(os.path.join(CNTK27, e["files"]["cntkv2"]))
    module = C.to_torch(z).eval()
    assert isinstance(module, torch.nn.Module)
    x, lengths = _padded(e, npz)
    y = module(x, lengths=[lengths] if lengths is not None else None)
    expected = npz[e["outputs"][0]["npz_key"]]
    if lengths is not None and y.dim() == 3:
        mask = (torch.arange(y.shape[1])[None, :] < lengths[:, None]).numpy()
        np.testing.assert_allclose(y.detach().numpy()[mask], expected[mask], rtol=1e-5, atol=1e-6)
        assert module.output_lengths[0].tolist() == lengths.tolist()
    else:
        np.testing.assert_allclose(y.detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_to_torch_trains_with_a_torch_optimizer_and_leaves_the_function_alone():
    e = entry("trained_classifier")
    npz = np.load(os.path.join(CNTK27, e["npz"]))
    z = C.load_model(os.path.join(CNTK27, "trained_classifier.model"))
    module = C.to_torch(z)
    assert [n for n, _ in module.named_parameters()] == ["p0_W", "p1_b", "p2_b", "p3_W", "p4_H", "p5_E"]
    x, lengths = _padded(e, npz)
    opt = torch.optim.Adam(module.parameters(), lr=0.05)
    target = torch.tensor([0, 1, 2, 0])
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(module(x, lengths={"words": lengths}), target)
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < losses[0]
    inputs = fixture_inputs(e, npz)
    np.testing.assert_allclose(z.eval({z.arguments[0]: inputs["words"]}), fixture_outputs(e, npz)[0], rtol=1e-5,
                               atol=1e-6)
    state = module.state_dict()
    assert set(state) >= {"p0_W", "p5_E"}


def test_to_torch_shared_parameters_and_input_checks():
    z = C.load_model(os.path.join(CNTK27, "dense.model"))
    module = C.to_torch(z, share_parameters=True)
    with torch.no_grad():
        module.p0_W.zero_()
    assert np.all(z.W.value == 0)
    with pytest.raises(ValueError, match=r"input 'x' must have shape \[batch, 5\]"):
        module(torch.zeros(2, 4))
    with pytest.raises(TypeError, match="takes 1 input"):
        module(torch.zeros(2, 5), torch.zeros(2, 5))
