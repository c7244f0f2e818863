"""Learner object API: checkpoints, subsets, torch inputs, progress reporting, noise, user learners."""
import inspect
import math

import numpy as np
import pytest
import torch

import cntk._learners as L
from cntk._graph.variable import Parameter

from _golden import load, make_params

REF = load('learner_api_ref.json')
DATA = REF['data']

FACTORIES = {
    'sgd': lambda P: L.sgd(P, 0.1, l1_regularization_weight=0.01, l2_regularization_weight=0.01),
    'momentum_sgd': lambda P: L.momentum_sgd(P, [0.1, 0.05], [0.9, 0.8], epoch_size=6),
    'nesterov': lambda P: L.nesterov(P, 0.1, L.momentum_as_time_constant_schedule(20)),
    'adam': lambda P: L.adam(P, 0.1, 0.9),
    'adamax': lambda P: L.adam(P, 0.1, 0.9, adamax=True),
    'adagrad': lambda P: L.adagrad(P, 0.1),
    'fsadagrad': lambda P: L.fsadagrad(P, 0.1, 0.9),
    'rmsprop': lambda P: L.rmsprop(P, 0.1, 0.9, 1.2, 0.7, 10, 0.1),
    'adadelta': lambda P: L.adadelta(P, 1.0),
    'noisy_sgd': lambda P: L.sgd(P, 0.1, gaussian_noise_injection_std_dev=0.01),
}


def _feed(learner, P, steps):
    for (n, sweep_end), (g1, g2) in steps:
        learner.update({P[0]: np.asarray(g1, np.float32), P[1]: np.asarray(g2, np.float32)}, n, sweep_end)


@pytest.mark.parametrize('name', sorted(FACTORIES))
def test_checkpoint_roundtrip_continues_identically(name):
    steps = list(zip(REF['steps'], DATA['grads']))
    P = make_params([DATA['p1'], DATA['p2']])
    learner = FACTORIES[name](P)
    _feed(learner, P, steps[:4])
    ck = learner.create_checkpoint()
    for key, value in ck.items():        # plain data only
        assert isinstance(key, str)
        assert isinstance(value, (np.ndarray, int, float, str, bool)), (key, type(value))
    values_at_checkpoint = [p.value for p in P]
    _feed(learner, P, steps[4:])
    expected = [p.value for p in P]

    Q = make_params(values_at_checkpoint)
    other = FACTORIES[name](Q)
    other.restore_from_checkpoint(ck)
    assert other.total_number_of_samples_seen() == learner.total_number_of_samples_seen() - sum(
        n for (n, _), _ in steps[4:])
    _feed(other, Q, steps[4:])
    for q, e in zip(Q, expected):
        np.testing.assert_array_equal(q.value, e)


def test_restore_rejects_other_learner_type():
    P = make_params([DATA['p1'], DATA['p2']])
    ck = L.sgd(P, 0.1).create_checkpoint()
    with pytest.raises(ValueError):
        L.adam(P, 0.1, 0.9).restore_from_checkpoint(ck)


def test_subset_learner_leaves_other_parameters_alone():
    P = make_params([DATA['p1'], DATA['p2']])
    before = P[1].value
    learner = L.sgd([P[0]], 0.5)
    g = np.ones((3, 4), np.float32)
    assert learner.update({P[0]: g, P[1]: np.ones(4, np.float32)}, 2)
    np.testing.assert_allclose(P[0].value, np.asarray(DATA['p1'], np.float32) - 0.25, rtol=1e-6)
    np.testing.assert_array_equal(P[1].value, before)
    assert learner.parameters == (P[0],)


def test_torch_gradients_and_internal_entry_agree_with_numpy_path():
    P = make_params([DATA['p1'], DATA['p2']])
    Q = make_params([DATA['p1'], DATA['p2']])
    a, b = L.adam(P, 0.1, 0.9), L.adam(Q, 0.1, 0.9)
    for (n, sweep_end), (g1, g2) in zip(REF['steps'], DATA['grads']):
        a.update({P[0]: np.asarray(g1, np.float32), P[1]: np.asarray(g2, np.float32)}, n, sweep_end)
        b._update_from_torch({Q[0]: torch.tensor(g1), Q[1]: torch.tensor(g2)}, n, sweep_end)
    for p, q in zip(P, Q):
        np.testing.assert_array_equal(p.value, q.value)
    assert P[0]._tensor.requires_grad and P[0]._tensor.is_leaf


def test_update_errors():
    P = make_params([DATA['p1'], DATA['p2']])
    learner = L.sgd(P, 0.1)
    with pytest.raises(ValueError, match='empty minibatch'):
        learner.update({P[0]: np.zeros((3, 4)), P[1]: np.zeros(4)}, 0)
    with pytest.raises(RuntimeError, match='no gradient'):
        learner.update({P[0]: np.zeros((3, 4))}, 4)
    with pytest.raises(ValueError):
        L.sgd(P, 'fast')
    with pytest.raises(TypeError):
        L.sgd([np.zeros(3)], 0.1)


def test_zero_learning_rate_returns_false_and_counts_nothing():
    P = make_params([DATA['p1'], DATA['p2']])
    learner = L.sgd(P, L.learning_parameter_schedule([0.0, 0.1], epoch_size=2))
    before = P[0].value
    assert learner.update({P[0]: np.ones((3, 4)), P[1]: np.ones(4)}, 4) is False
    assert learner.total_number_of_samples_seen() == 0
    np.testing.assert_array_equal(P[0].value, before)


class _Writer:
    def __init__(self):
        self.lines = []

    def write(self, key, value):
        self.lines.append('%s: %s' % (key, value))


@pytest.mark.parametrize('make,key', [
    (lambda P: L.sgd(P, L.learning_parameter_schedule([0.01, 0.005], epoch_size=8)), 'Learning rate per minibatch'),
    (lambda P: L.sgd(P, L.learning_parameter_schedule_per_sample([0.01, 0.005], epoch_size=8)),
     'Learning rate per 1 samples'),
    (lambda P: L.sgd(P, [0.01, 0.005], minibatch_size=10, epoch_size=8), 'Learning rate per 10 samples'),
])
def test_progress_writers_get_learning_rate_when_it_changes(make, key):
    P = make_params([DATA['p1'], DATA['p2']])
    learner = make(P)
    w = _Writer()
    learner.add_progress_writers([w])
    for _ in range(4):
        learner.update({P[0]: np.zeros((3, 4)), P[1]: np.zeros(4)}, 4)
    assert w.lines == ['%s: 0.01' % key, '%s: 0.005' % key]


def test_gaussian_noise_is_added_to_parameters_with_the_given_std():
    p = Parameter((200, 100), init=np.zeros((200, 100), np.float32), dtype=np.float32, name='p')
    learner = L.sgd([p], 0.1, gaussian_noise_injection_std_dev=0.1)
    learner.update({p: np.zeros((200, 100), np.float32)}, 16)
    assert abs(float(p.value.std()) - 0.1) < 0.003
    assert abs(float(p.value.mean())) < 0.003
    q = Parameter((200, 100), init=np.zeros((200, 100), np.float32), dtype=np.float32, name='q')
    other = L.sgd([q], 0.1, gaussian_noise_injection_std_dev=0.1)
    other.update({q: np.zeros((200, 100), np.float32)}, 16)
    assert not np.array_equal(p.value, q.value)   # each learner has its own seed


def test_reset_smoothed_gradients_forgets_momentum():
    P = make_params([DATA['p1'], DATA['p2']])
    learner = L.momentum_sgd(P, 0.1, 0.9)
    learner.update({P[0]: np.ones((3, 4)), P[1]: np.ones(4)}, 1)
    learner.reset_smoothed_gradients()
    before = P[1].value
    learner.update({P[0]: np.zeros((3, 4)), P[1]: np.zeros(4)}, 1)
    np.testing.assert_array_equal(P[1].value, before)


class _HalfStep(L.UserLearner):
    def update(self, gradient_values, training_sample_count, sweep_end):
        self.seen = {p: type(g) for p, g in gradient_values.items()}
        for p, g in gradient_values.items():
            p.value = p.value - self.learning_rate() * np.asarray(g) / training_sample_count
        return True


@pytest.mark.parametrize('as_numpy,kind', [(True, np.ndarray), (False, torch.Tensor)])
def test_user_learner(as_numpy, kind):
    P = make_params([DATA['p1'], DATA['p2']])
    learner = _HalfStep(P, L.learning_parameter_schedule(0.5), as_numpy=as_numpy)
    assert learner._update_from_torch({P[0]: torch.ones(3, 4), P[1]: torch.ones(4)}, 2) is True
    assert set(learner.seen.values()) == {kind}
    np.testing.assert_allclose(P[1].value, np.asarray(DATA['p2'], np.float32) - 0.25, rtol=1e-6)
    assert learner.total_number_of_samples_seen() == 0     # as in CNTK: not counted for user learners
    assert learner.learning_rate() == 0.5


def test_universal_learner():
    import cntk as C
    assign, combine = C.assign, C.combine
    P = make_params([DATA['p1'], DATA['p2']])
    learner = L.universal(lambda ps, gs: combine([assign(p, p - 0.1 * g) for p, g in zip(ps, gs)]), P)
    learner.update({P[0]: np.ones((3, 4), np.float32), P[1]: np.ones(4, np.float32)}, 4)
    np.testing.assert_allclose(P[1].value, np.asarray(DATA['p2'], np.float32) - 0.1, rtol=1e-6)
    assert learner.total_number_of_samples_seen() == 4
    assert learner.learning_rate() == 1.0 and learner.minibatch_size == 0


def test_universal_requires_two_argument_function():
    P = make_params([DATA['p1'], DATA['p2']])
    with pytest.raises(ValueError):
        L.universal(lambda ps: None, P)


def test_public_face_names_docstrings_and_hints():
    import cntk.learners as public
    names = ['sgd', 'momentum_sgd', 'nesterov', 'adagrad', 'fsadagrad', 'adam', 'rmsprop', 'adadelta', 'universal',
             'UserLearner', 'Learner', 'learning_parameter_schedule', 'learning_parameter_schedule_per_sample',
             'learning_rate_schedule', 'training_parameter_schedule', 'momentum_schedule',
             'momentum_schedule_per_sample', 'momentum_as_time_constant_schedule', 'UnitType', 'IGNORE',
             'default_unit_gain_value', 'set_default_unit_gain_value']
    for name in names:
        obj = getattr(public, name)
        if name == 'IGNORE':
            assert obj == 0 and public.Learner.ignored_minibatch_size == 0
            continue
        assert obj.__doc__ and obj.__doc__.strip(), name
        if inspect.isfunction(obj):
            hints = inspect.signature(obj)
            assert hints.return_annotation is not inspect.Signature.empty, name
    sig = inspect.signature(public.adam)
    assert list(sig.parameters) == ['parameters', 'lr', 'momentum', 'unit_gain', 'variance_momentum',
                                    'l1_regularization_weight', 'l2_regularization_weight',
                                    'gaussian_noise_injection_std_dev', 'gradient_clipping_threshold_per_sample',
                                    'gradient_clipping_with_truncation', 'use_mean_gradient', 'epsilon', 'adamax',
                                    'minibatch_size', 'epoch_size']
    assert sig.parameters['momentum'].default is inspect.Parameter.empty
    assert math.isinf(sig.parameters['gradient_clipping_threshold_per_sample'].default)
    assert [u.value for u in public.UnitType] == ['sample', 'minibatch']


def test_learner_state_follows_parameter_device_and_dtype():
    p = Parameter((3,), init=np.array([1.0, 2.0, 3.0]), dtype=np.float64, name='p')
    learner = L.adam([p], 0.1, 0.9)
    learner._update_from_torch({p: torch.ones(3, dtype=torch.float32)}, 2)
    assert learner._state[0]['m'].dtype == torch.float64
    assert learner._state[0]['m'].device == p._tensor.device


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')
@pytest.mark.parametrize('name', sorted(FACTORIES))
def test_learners_run_on_the_parameters_device(name):
    if name == 'noisy_sgd':
        pytest.skip('noise is drawn on the CPU and identical, but compared elsewhere')
    steps = list(zip(REF['steps'], DATA['grads']))
    P = make_params([DATA['p1'], DATA['p2']])
    Q = make_params([DATA['p1'], DATA['p2']])
    for q in Q:
        q._tensor = q._tensor.detach().cuda().requires_grad_(True)
    a, b = FACTORIES[name](P), FACTORIES[name](Q)
    for (n, sweep_end), (g1, g2) in steps:
        a._update_from_torch({P[0]: torch.tensor(g1), P[1]: torch.tensor(g2)}, n, sweep_end)
        b._update_from_torch({Q[0]: torch.tensor(g1).cuda(), Q[1]: torch.tensor(g2).cuda()}, n, sweep_end)
    assert Q[0]._tensor.is_cuda and all(t.is_cuda for t in b._state[0].values() if isinstance(t, torch.Tensor))
    for p, q in zip(P, Q):
        np.testing.assert_allclose(q.value, p.value, rtol=1e-5, atol=1e-6)


def test_unsupported_master_parameter_hook_says_so():
    P = make_params([DATA['p1'], DATA['p2']])
    with pytest.raises(NotImplementedError, match='set_need_to_update_master_parameter'):
        L.sgd(P, 0.1).set_need_to_update_master_parameter()


def test_minibatch_size_setter_switches_to_compatible_mode():
    p = Parameter((2,), init=1.0)
    schedule = L.learning_rate_schedule([1, 2, 3], L.UnitType.minibatch)
    learner = L.sgd([p], 0.1)
    learner.reset_learning_rate(schedule)
    assert not learner.is_compatible_mode()
    learner.minibatch_size = L.IGNORE
    assert learner.minibatch_size == L.IGNORE
    assert learner._learning_rate_schedule.minibatch_size == L.IGNORE
    assert learner.is_compatible_mode()
    assert learner._learning_rate_schedule is not schedule  # the user's schedule object is left as it was
