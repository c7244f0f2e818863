"""The 38 learner configurations of cntk-api.md §2e, replayed against the reference's numbers.

learn_ref.json was produced by CNTK 2.7 training z = x@W + b with squared_error through the
Trainer; here the gradients of the summed loss are computed directly and fed to the learner.
"""
import numpy as np
import pytest
import torch

import cntk._learners as C
from cntk._graph.variable import Parameter

from _golden import assert_close, load

REF = load('learn_ref.json')

CONFIGS = {
    'sgd lps(0.1)': lambda p: C.sgd(p, C.learning_parameter_schedule(0.1)),
    'sgd lps(0.1, mb=4)': lambda p: C.sgd(p, C.learning_parameter_schedule(0.1, minibatch_size=4)),
    'sgd lps(0.1, mb=2)': lambda p: C.sgd(p, C.learning_parameter_schedule(0.1, minibatch_size=2)),
    'sgd lps_per_sample(0.1)': lambda p: C.sgd(p, C.learning_parameter_schedule_per_sample(0.1)),
    'sgd lr_schedule(0.1, sample)': lambda p: C.sgd(p, C.learning_rate_schedule(0.1, C.UnitType.sample)),
    'sgd lr_schedule(0.1, minibatch)': lambda p: C.sgd(p, C.learning_rate_schedule(0.1, C.UnitType.minibatch)),
    'sgd float 0.1': lambda p: C.sgd(p, 0.1),
    'sgd float 0.1 minibatch_size=1 (learner arg)': lambda p: C.sgd(p, 0.1, minibatch_size=1),
    'sgd lps(0.1) learner minibatch_size=2': lambda p: C.sgd(p, C.learning_parameter_schedule(0.1), minibatch_size=2),
    'sgd lps(0.1) l2=0.01': lambda p: C.sgd(p, C.learning_parameter_schedule(0.1), l2_regularization_weight=0.01),
    'sgd lps_per_sample(0.1) l2=0.01': lambda p: C.sgd(p, C.learning_parameter_schedule_per_sample(0.1),
                                                       l2_regularization_weight=0.01),
    'sgd lps(0.1) l1=0.01': lambda p: C.sgd(p, C.learning_parameter_schedule(0.1), l1_regularization_weight=0.01),
    'sgd lps_per_sample(0.1) l1=0.01': lambda p: C.sgd(p, C.learning_parameter_schedule_per_sample(0.1),
                                                       l1_regularization_weight=0.01),
    'sgd lps(0.1) clip 0.5 trunc': lambda p: C.sgd(p, C.learning_parameter_schedule(0.1),
                                                   gradient_clipping_threshold_per_sample=0.5,
                                                   gradient_clipping_with_truncation=True),
    'sgd lps(0.1) clip 0.5 norm': lambda p: C.sgd(p, C.learning_parameter_schedule(0.1),
                                                  gradient_clipping_threshold_per_sample=0.5,
                                                  gradient_clipping_with_truncation=False),
    'sgd lps([0.1,0.05], epoch_size=4)': lambda p: C.sgd(p, C.learning_parameter_schedule([0.1, 0.05], epoch_size=4)),
    'sgd lps([(2,0.1),(1,0.05)], epoch_size=4)': lambda p: C.sgd(
        p, C.learning_parameter_schedule([(2, 0.1), (1, 0.05)], epoch_size=4)),
    'momentum_sgd lps(0.1) mom 0.9 unit_gain': lambda p: C.momentum_sgd(
        p, C.learning_parameter_schedule(0.1), C.momentum_schedule(0.9)),
    'momentum_sgd lps(0.1) mom 0.9 no unit_gain': lambda p: C.momentum_sgd(
        p, C.learning_parameter_schedule(0.1), C.momentum_schedule(0.9), unit_gain=False),
    'momentum_sgd lps([0.1,0.05],es=4) mom 0.9 unit_gain': lambda p: C.momentum_sgd(
        p, C.learning_parameter_schedule([0.1, 0.05], epoch_size=4), C.momentum_schedule(0.9)),
    'momentum_sgd lps(0.1) mom 0.9 mb=2': lambda p: C.momentum_sgd(
        p, C.learning_parameter_schedule(0.1), C.momentum_schedule(0.9, minibatch_size=2)),
    'momentum_sgd lps(0.1) mom time_const 10': lambda p: C.momentum_sgd(
        p, C.learning_parameter_schedule(0.1), C.momentum_as_time_constant_schedule(10)),
    'momentum_sgd lps(0.1) mom per_sample 0.9': lambda p: C.momentum_sgd(
        p, C.learning_parameter_schedule(0.1), C.momentum_schedule_per_sample(0.9)),
    'nesterov lps(0.1) mom 0.9': lambda p: C.nesterov(p, C.learning_parameter_schedule(0.1), C.momentum_schedule(0.9)),
    'nesterov lps(0.1) mom 0.9 no unit gain': lambda p: C.nesterov(
        p, C.learning_parameter_schedule(0.1), C.momentum_schedule(0.9), unit_gain=False),
    'adam lps(0.1) mom 0.9': lambda p: C.adam(p, C.learning_parameter_schedule(0.1), C.momentum_schedule(0.9)),
    'adam lps(0.1) mom 0.9 var 0.999': lambda p: C.adam(
        p, C.learning_parameter_schedule(0.1), C.momentum_schedule(0.9), variance_momentum=C.momentum_schedule(0.999)),
    'adam lps(0.1) mom 0.9 var 0.999 no unit gain': lambda p: C.adam(
        p, C.learning_parameter_schedule(0.1), C.momentum_schedule(0.9), unit_gain=False,
        variance_momentum=C.momentum_schedule(0.999)),
    'adam lps(0.1) mom 0.9 var 0.999 eps 0.5': lambda p: C.adam(
        p, C.learning_parameter_schedule(0.1), C.momentum_schedule(0.9), variance_momentum=C.momentum_schedule(0.999),
        epsilon=0.5),
    'adam adamax lps(0.1) mom 0.9 var 0.999': lambda p: C.adam(
        p, C.learning_parameter_schedule(0.1), C.momentum_schedule(0.9), variance_momentum=C.momentum_schedule(0.999),
        adamax=True),
    'adagrad lps(0.1)': lambda p: C.adagrad(p, C.learning_parameter_schedule(0.1)),
    'adagrad lps(0.1) no ave mult': lambda p: C.adagrad(p, C.learning_parameter_schedule(0.1), need_ave_multiplier=False),
    'fsadagrad lps(0.1) mom 0.9': lambda p: C.fsadagrad(p, C.learning_parameter_schedule(0.1), C.momentum_schedule(0.9)),
    'fsadagrad lps(0.1) mom 0.9 var 0.999': lambda p: C.fsadagrad(
        p, C.learning_parameter_schedule(0.1), C.momentum_schedule(0.9), variance_momentum=C.momentum_schedule(0.999)),
    'rmsprop lps(0.1) g0.9 inc1.2 dec0.7 max10 min0.1': lambda p: C.rmsprop(
        p, C.learning_parameter_schedule(0.1), 0.9, 1.2, 0.7, 10, 0.1),
    'rmsprop ... no ave mult': lambda p: C.rmsprop(
        p, C.learning_parameter_schedule(0.1), 0.9, 1.2, 0.7, 10, 0.1, need_ave_multiplier=False),
    'adadelta default lr': lambda p: C.adadelta(p),
    'adadelta lps(1.0) rho .9 eps 1e-2': lambda p: C.adadelta(p, C.learning_parameter_schedule(1.0), rho=0.9,
                                                               epsilon=1e-2),
}


def test_every_reference_config_is_covered():
    assert set(CONFIGS) == set(REF['res'])
    assert len(CONFIGS) == 38


def _gradients(W, b, X, Y):
    """Gradients of sum over samples of (x@W + b - y)^2, computed in float32 like the reference."""
    x = torch.tensor(X, dtype=torch.float32)
    y = torch.tensor(Y, dtype=torch.float32)
    w = W._tensor.detach().clone().requires_grad_(True)
    bb = b._tensor.detach().clone().requires_grad_(True)
    loss = ((x @ w + bb - y) ** 2).sum()
    gw, gb = torch.autograd.grad(loss, [w, bb])
    return {W: gw, b: gb}


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_matches_reference(name):
    W = Parameter((2, 1), init=np.array(REF['W0'], np.float32), dtype=np.float32, name='W')
    b = Parameter((1,), init=np.array(REF['b0'], np.float32), dtype=np.float32, name='b')
    learner = CONFIGS[name]([W, b])
    for step, expected in enumerate(REF['res'][name]):
        X, Y = REF['XS'][step], REF['YS'][step]
        assert learner._update_from_torch(_gradients(W, b, X, Y), len(X)) is True
        actual = np.concatenate([W.value.reshape(-1), b.value.reshape(-1)])
        assert_close(actual, expected, '%s after minibatch %d' % (name, step + 1), rtol=1e-6, atol=5e-7)
