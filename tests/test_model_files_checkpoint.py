"""CNTK trainer checkpoints: reading the ``.ckp`` learner state, and continuing training with it
reproduces the three further Adam steps CNTK 2.7 made (trained_classifier_continue.npz)."""
import os

import numpy as np
import pytest

import cntk as C
from cntk._serialization.checkpoint import (learner_state_from_cntk, read_cntk_checkpoint,
                                            restore_learners_from_cntk)
from cntk._serialization.errors import ModelFileError
from model_file_helpers import CNTK27

MODEL = os.path.join(CNTK27, "trained_classifier_checkpoint.model")
CKP = MODEL + ".ckp"
CONTINUE = os.path.join(CNTK27, "trained_classifier_continue.npz")


def test_checkpoint_dict():
    ck = read_cntk_checkpoint(CKP)
    assert ck["format"] == "cntk-v2-checkpoint" and ck["version"] == 1
    (learner,) = ck["learners"]
    assert (learner["sample_count"], learner["minibatch_count"], learner["sweep_count"], learner["update_count"]) == \
        (240, 30, 0, 30)
    assert learner["learning_rate"] == {"schedule": [(0, 0.02)], "epoch_size": 0, "minibatch_size": 0}
    assert learner["noise_injection_seed"] == 20240601
    z = C.load_model(MODEL)
    shapes = [g.shape for g in learner["smoothed_gradients"]]
    # Adam: the parameter as a matrix (rows = last numpy axis) with column blocks [variance | momentum]
    assert shapes == [(2 * int(np.prod(p.shape[:-1])), p.shape[-1]) for p in z.parameters]


def test_checkpoint_from_bytes_and_wrong_files():
    assert read_cntk_checkpoint(open(CKP, "rb").read())["learners"][0]["minibatch_count"] == 30
    with pytest.raises(ModelFileError, match="is a model, not a trainer checkpoint"):
        read_cntk_checkpoint(MODEL)
    with pytest.raises(ModelFileError, match="not a valid CNTK checkpoint"):
        read_cntk_checkpoint(open(CKP, "rb").read()[:-7])


def _minibatch(c, k):
    lens = c["mb%d__words__lengths" % k]
    return [c["mb%d__words" % k][b, :n] for b, n in enumerate(lens)], c["mb%d__label" % k]


def _continue(restore):
    z = C.load_model(MODEL)
    words, label = z.arguments
    criterion = C.combine([z.outputs[1]])          # per-sample cross entropy of the checkpoint graph
    learner = C.adam(z.parameters, lr=C.learning_parameter_schedule(0.02), momentum=0.9)
    if restore:
        restore_learners_from_cntk(CKP, [learner])
    c = np.load(CONTINUE)
    losses = []
    for k in range(3):
        seqs, labels = _minibatch(c, k)
        args = {words: seqs, label: labels}
        losses.append(float(np.sum(criterion.eval(args))) / len(labels))
        learner.update(criterion.grad(args, wrt=z.parameters), len(labels))
    t = np.load(os.path.join(CNTK27, "trained_classifier.npz"))
    seqs = [t["in__words"][b, :n] for b, n in enumerate(t["in__words__lengths"])]
    out = C.combine([z.outputs[0]]).eval({words: seqs})
    return np.array(losses), out, c, learner


def test_three_more_adam_steps_match_cntk():
    losses, out, c, learner = _continue(restore=True)
    np.testing.assert_allclose(losses, c["losses"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out, c["out_after"], rtol=1e-3, atol=1e-4)
    assert learner.total_number_of_samples_seen() == 240 + 24
    assert learner.total_number_of_minibatches_seen() == 33


def test_without_the_learner_state_the_steps_differ():
    losses, out, c, _ = _continue(restore=False)
    np.testing.assert_allclose(losses[0], c["losses"][0], rtol=1e-5)   # same model before the first step
    assert np.max(np.abs(out - c["out_after"])) > 1e-3


def test_state_layout_is_checked():
    z = C.load_model(MODEL)
    entry = read_cntk_checkpoint(CKP)["learners"][0]
    with pytest.raises(ValueError, match="parameter 'W'.*needs"):
        learner_state_from_cntk(entry, C.momentum_sgd(z.parameters, 0.1, 0.9))
    with pytest.raises(ValueError, match="6 tensors, the AdamLearner has 2"):
        learner_state_from_cntk(entry, C.adam(z.parameters[:2], 0.1, 0.9))
    with pytest.raises(NotImplementedError, match="RMSPropLearner"):
        learner_state_from_cntk(entry, C.rmsprop(z.parameters, 0.1, 0.9, 1.2, 0.7, 10, 1e-4))
