"""Learner runs recorded from CNTK 2.7 by tools/golden/make_learner_golden.py.

Each configuration is a Python expression evaluated against the port's cntk.learners; the
learner is fed the recorded gradients (of the summed loss) for minibatches of varying size N with
sweep-end flags, and after every update the parameters, the learning rate, the return value and
the counters must equal the reference's.
"""
import warnings

import numpy as np
import pytest

from _golden import assert_close, load, make_params, namespace

REF = load('learner_api_ref.json')


def _run(expr, rec, dtype):
    data = REF['data']
    P = make_params([data['p1'], data['p2']], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        learner = eval(expr, namespace(P))
    assert learner.minibatch_size == rec['minibatch_size']
    assert learner.is_compatible_mode() == rec['compatible_mode']
    assert learner.learning_rate() == pytest.approx(rec['lr_before'], rel=1e-12)
    for i, ((n, sweep_end), (g1, g2), st) in enumerate(zip(REF['steps'], data['grads'], rec['steps'])):
        ret = learner.update({P[0]: np.asarray(g1, dtype), P[1]: np.asarray(g2, dtype)}, n, sweep_end)
        what = '%s step %d' % (expr, i + 1)
        assert ret == st['ret'], what
        assert learner.learning_rate() == pytest.approx(st['lr'], rel=1e-12), what
        assert (learner.total_number_of_samples_seen(), learner.total_number_of_minibatches_seen(),
                learner.total_number_of_sweeps_seen()) == (st['samples'], st['minibatches'], st['sweeps']), what
        assert_close(P[0].value, st['p1'], what + ' p1', rtol=1e-6, atol=1e-6)
        assert_close(P[1].value, st['p2'], what + ' p2', rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize('expr', sorted(REF['learners']))
def test_float32_run(expr):
    _run(expr, REF['learners'][expr], np.float32)


@pytest.mark.parametrize('expr', sorted(REF['learners_f64']))
def test_float64_run(expr):
    _run(expr, REF['learners_f64'][expr], np.float64)


@pytest.mark.parametrize('expr', sorted(REF['learner_errors']))
def test_construction_errors(expr):
    data = REF['data']
    P = make_params([data['p1'], data['p2']])
    expected = REF['learner_errors'][expr]
    with pytest.raises(Exception) as info:
        eval(expr, namespace(P))
    assert type(info.value).__name__ == expected


def test_reset_learning_rate_restarts_the_schedule():
    data = REF['data']
    P = make_params([data['p1'], data['p2']])
    ns = namespace(P)
    learner = ns['sgd'](P, ns['learning_parameter_schedule']([0.1, 0.05, 0.02], epoch_size=4))
    expected = iter(REF['reset_scenario'])
    for i, ((n, sweep_end), (g1, g2)) in enumerate(zip(REF['steps'], data['grads'])):
        if i == 2:
            learner.reset_learning_rate(ns['learning_parameter_schedule']([1.0, 0.5, 0.25], epoch_size=4))
            assert learner.learning_rate() == next(expected)['after_reset_lr']
        learner.update({P[0]: np.asarray(g1, np.float32), P[1]: np.asarray(g2, np.float32)}, n, sweep_end)
        st = next(expected)
        assert learner.learning_rate() == pytest.approx(st['lr'])
        assert learner.total_number_of_samples_seen() == st['samples']
        assert_close(P[0].value, st['p1'], 'reset step %d' % i)
        assert_close(P[1].value, st['p2'], 'reset step %d' % i)


def test_set_default_unit_gain_value_does_not_change_factory_defaults():
    import cntk._learners as L
    ref = REF['unit_gain_default']
    data = REF['data']
    L.set_default_unit_gain_value(False)
    try:
        assert L.default_unit_gain_value() == ref['default_after_set']
        P = make_params([data['p1'], data['p2']])
        learner = L.momentum_sgd(P, 0.1, 0.9)
        n, sweep_end = REF['steps'][0]
        g1, g2 = data['grads'][0]
        learner.update({P[0]: np.asarray(g1, np.float32), P[1]: np.asarray(g2, np.float32)}, n, sweep_end)
        assert_close(P[1].value, ref['run']['steps'][0]['p2'], 'unit gain default')
    finally:
        L.set_default_unit_gain_value(True)
    assert L.default_unit_gain_value() is True
