"""Schedule values over sample counts, reference sizes and flags, against CNTK 2.7's numbers."""
import math
import warnings

import pytest

import cntk._learners as L
from _golden import load, namespace

REF = load('learner_api_ref.json')


@pytest.mark.parametrize('expr', sorted(REF['schedules']))
def test_schedule_matches_reference(expr):
    rec = REF['schedules'][expr]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        s = eval(expr, namespace([]))
    assert s.minibatch_size == rec['minibatch_size']
    assert s.is_minibatch_size_explicitly_specified == rec['explicit']
    assert s.is_sweep_based() == rec['sweep_based']
    for i, expected in zip(REF['indices'], rec['values']):
        assert s[i] == pytest.approx(expected, rel=1e-15, abs=0), '%s[%d]' % (expr, i)


@pytest.mark.parametrize('expr', sorted(REF['schedule_errors']))
def test_schedule_errors_match_reference(expr):
    expected = REF['schedule_errors'][expr]
    if expected is None:
        eval(expr, namespace([]))
    else:
        with pytest.raises(Exception) as info:
            eval(expr, namespace([]))
        assert type(info.value).__name__ == expected


def test_scalar_with_epoch_size_warns():
    with pytest.warns(RuntimeWarning, match='epoch_size is ignored'):
        L.learning_parameter_schedule(0.1, epoch_size=5)


def test_zero_count_only_last_and_fractional_counts_unsupported():
    s = L.learning_parameter_schedule([(2, 0.1), (1, 0.2), (0, 0.3)], epoch_size=2)
    assert [s[i] for i in range(8)] == [0.1] * 4 + [0.2] * 2 + [0.3] * 2
    with pytest.raises(RuntimeError):
        L.learning_parameter_schedule([(2, 0.1), (0, 0.2), (1, 0.3)], epoch_size=2)
    with pytest.raises(NotImplementedError, match='cntk.learners'):
        L.learning_parameter_schedule([(1.5, 0.1), (1, 0.2)], epoch_size=2)


def test_negative_position_raises():
    with pytest.raises(OverflowError):
        L.learning_parameter_schedule([0.1, 0.2], epoch_size=2)[-1]


def test_momentum_rescaling_for_actual_minibatch():
    assert L.momentum_schedule(0.9).scaled_momentum(0, 0, 7) == 0.9
    assert L.momentum_schedule(0.9, minibatch_size=2).scaled_momentum(0, 0, 3) == pytest.approx(0.9 ** 1.5)
    assert L.momentum_schedule_per_sample(0.9).scaled_momentum(0, 0, 4) == pytest.approx(0.9 ** 4)
    assert L.momentum_as_time_constant_schedule(10).scaled_momentum(0, 0, 4) == pytest.approx(math.exp(-0.4))
    assert L.momentum_as_time_constant_schedule(0).scaled_momentum(0, 0, 4) == 0.0


def test_sweep_based_schedule_advances_per_sweep():
    s = L.learning_parameter_schedule([0.1, 0.2, 0.3])
    assert s.is_sweep_based()
    assert (s.value(1000, 0), s.value(0, 1), s.value(5, 2), s.value(5, 9)) == (0.1, 0.2, 0.3, 0.3)


def test_serialize_roundtrip():
    s = L.learning_parameter_schedule([(2, 0.1), 0.07, (3, 0.05)], epoch_size=2, minibatch_size=3)
    t = L.TrainingParameterSchedule.deserialize(s.serialize())
    assert t == s and [t[i] for i in range(20)] == [s[i] for i in range(20)]
    assert t.minibatch_size == 3 and t.epoch_size == 2
