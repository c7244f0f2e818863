"""Record reference numbers for cntk.learners from the real CNTK 2.7.

Run with the reference interpreter from the repository root:

    /opt/cntk-ref/bin/python tools/golden/make_learner_golden.py

Writes tests/golden/learners/learner_api_ref.json. Every configuration is a Python expression
string evaluated with the names of ``cntk.learners`` in scope (``P`` = the parameter list), so the
port's tests evaluate exactly the same strings against the port.
"""
import json
import os
import sys
import warnings

import numpy as np
import cntk as C
import cntk.learners as L

OUT_DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join('tests', 'golden', 'learners')

SCHEDULES = [
    "learning_parameter_schedule(0.3)",
    "learning_parameter_schedule(0.3, minibatch_size=5)",
    "learning_parameter_schedule(0.3, epoch_size=7)",
    "learning_parameter_schedule([0.1, 0.05], epoch_size=4)",
    "learning_parameter_schedule([0.1, 0.05, 0.01], epoch_size=3, minibatch_size=2)",
    "learning_parameter_schedule([(2, 0.1), (1, 0.05)], epoch_size=4)",
    "learning_parameter_schedule([(2, 0.1), 0.07, (3, 0.05)], epoch_size=2)",
    "learning_parameter_schedule([0.1, 0.2, 0.3])",
    "learning_parameter_schedule([(3, 0.1), (2, 0.2)])",
    "learning_parameter_schedule(1)",
    "learning_parameter_schedule_per_sample(0.3)",
    "learning_parameter_schedule_per_sample([0.3, 0.2], epoch_size=10)",
    "learning_rate_schedule(0.1, UnitType.sample)",
    "learning_rate_schedule(0.1, UnitType.minibatch)",
    "learning_rate_schedule([0.1, 0.01], UnitType.sample, epoch_size=6)",
    "learning_rate_schedule([0.1, 0.01], UnitType.minibatch)",
    "training_parameter_schedule(0.1)",
    "training_parameter_schedule([0.1, 0.2], UnitType.sample, 3)",
    "momentum_schedule(0.9)",
    "momentum_schedule(0.9, minibatch_size=2)",
    "momentum_schedule([0.99, 0.9], 1000)",
    "momentum_schedule([(999, 0.99), (888, 0.88), (1, 0.77)], epoch_size=1)",
    "momentum_schedule_per_sample(0.9)",
    "momentum_schedule_per_sample([0.9, 0.8], epoch_size=5)",
    "momentum_as_time_constant_schedule(10)",
    "momentum_as_time_constant_schedule(0)",
    "momentum_as_time_constant_schedule(1100)",
    "momentum_as_time_constant_schedule([10, 20], epoch_size=5)",
    "momentum_as_time_constant_schedule([(1, 10), (2, 0)], epoch_size=3)",
    "learning_parameter_schedule(learning_parameter_schedule_per_sample(0.2))",
]
SCHEDULE_ERRORS = [
    "learning_parameter_schedule([])",
    "learning_parameter_schedule([(0, 0.1), (2, 0.2)], epoch_size=2)",
    "learning_parameter_schedule([(2, 0.1), (0, 0.2)], epoch_size=2)",
    "learning_parameter_schedule('a')",
    "momentum_as_time_constant_schedule('a')",
]
INDICES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 19, 20, 100, 998, 999, 1000, 1001, 1886, 1887, 5000]

LEARNERS = [
    # sgd and the learning-rate unit rules
    "sgd(P, 0.1)",
    "sgd(P, 0.1, minibatch_size=2)",
    "sgd(P, 0.1, minibatch_size=1)",
    "sgd(P, learning_parameter_schedule(0.1, minibatch_size=3))",
    "sgd(P, learning_parameter_schedule_per_sample(0.02))",
    "sgd(P, learning_rate_schedule(0.02, UnitType.sample))",
    "sgd(P, learning_rate_schedule(0.1, UnitType.minibatch))",
    "sgd(P, [0.1, 0.05, 0.02], epoch_size=5)",
    "sgd(P, learning_parameter_schedule([(2, 0.1), (1, 0.05), (1, 0.3)], epoch_size=4))",
    "sgd(P, [0.1, 0.05, 0.02])",
    "sgd(P, [0.1, 0.05], minibatch_size=2, epoch_size=8)",
    "sgd(P, learning_parameter_schedule([0.1, 0.05], epoch_size=3), epoch_size=20)",
    "sgd(P, learning_parameter_schedule(0.1, minibatch_size=4), minibatch_size=2)",
    "sgd(P, learning_parameter_schedule_per_sample(0.02), minibatch_size=2)",
    "sgd(P, learning_rate_schedule(0.1, UnitType.minibatch), minibatch_size=2)",
    "sgd(P, learning_parameter_schedule(0.1), minibatch_size=2)",
    "sgd(P, 0.1, use_mean_gradient=True)",
    "sgd(P, 0.1, use_mean_gradient=False)",
    "sgd(P, learning_parameter_schedule_per_sample(0.02), use_mean_gradient=True)",
    "sgd(P, learning_parameter_schedule_per_sample(0.02), use_mean_gradient=False)",
    "sgd(P, learning_rate_schedule(0.02, UnitType.sample), use_mean_gradient=True)",
    "sgd(P, 0.1, use_mean_gradient=True, minibatch_size=2)",
    "sgd(P, [0.0, 0.1], epoch_size=6)",
    "sgd(P, 0.0)",
    "sgd(P, -0.05)",
    # pre-processing
    "sgd(P, 0.1, l2_regularization_weight=0.01)",
    "sgd(P, learning_parameter_schedule_per_sample(0.02), l2_regularization_weight=0.01)",
    "sgd(P, 0.1, l1_regularization_weight=0.01)",
    "sgd(P, learning_parameter_schedule_per_sample(0.02), l1_regularization_weight=0.05)",
    "sgd(P, 0.1, l1_regularization_weight=0.02, l2_regularization_weight=0.03)",
    "sgd(P, 0.1, gradient_clipping_threshold_per_sample=0.5)",
    "sgd(P, 0.1, gradient_clipping_threshold_per_sample=0.5, gradient_clipping_with_truncation=False)",
    "sgd(P, learning_parameter_schedule_per_sample(0.02), gradient_clipping_threshold_per_sample=0.3, gradient_clipping_with_truncation=False, l2_regularization_weight=0.02)",
    "sgd(P, 0.1, gradient_clipping_threshold_per_sample=0.0)",
    # momentum sgd
    "momentum_sgd(P, 0.1, 0.9)",
    "momentum_sgd(P, 0.1, 0.9, unit_gain=False)",
    "momentum_sgd(P, 0.1, momentum_schedule(0.9, minibatch_size=3))",
    "momentum_sgd(P, 0.1, momentum_schedule_per_sample(0.95))",
    "momentum_sgd(P, 0.1, momentum_as_time_constant_schedule(20))",
    "momentum_sgd(P, 0.1, momentum_as_time_constant_schedule(0))",
    "momentum_sgd(P, 0.1, [0.9, 0.5, 0.7], epoch_size=5)",
    "momentum_sgd(P, 0.1, momentum_schedule([0.9, 0.5], epoch_size=9))",
    "momentum_sgd(P, 0.1, 0.9, minibatch_size=2)",
    "momentum_sgd(P, 0.1, momentum_schedule(0.9), minibatch_size=2)",
    "momentum_sgd(P, 0.1, momentum_as_time_constant_schedule(20), minibatch_size=2)",
    "momentum_sgd(P, learning_parameter_schedule_per_sample(0.02), momentum_schedule(0.9, minibatch_size=2), use_mean_gradient=True)",
    "momentum_sgd(P, 0.1, 0.9, use_mean_gradient=True, minibatch_size=2)",
    "momentum_sgd(P, [0.1, 0.05], 0.9, epoch_size=6)",
    "momentum_sgd(P, 0.1, 0.9, l1_regularization_weight=0.01, l2_regularization_weight=0.02, gradient_clipping_threshold_per_sample=0.3)",
    "momentum_sgd(P, 0.1, -0.5)",
    # nesterov
    "nesterov(P, 0.1, 0.9)",
    "nesterov(P, 0.1, 0.9, unit_gain=False)",
    "nesterov(P, learning_parameter_schedule_per_sample(0.02), momentum_schedule_per_sample(0.95))",
    "nesterov(P, 0.1, momentum_as_time_constant_schedule(20), l2_regularization_weight=0.01)",
    # adam
    "adam(P, 0.1, 0.9)",
    "adam(P, 0.1, 0.9, variance_momentum=0.999)",
    "adam(P, 0.1, momentum_schedule(0.9), variance_momentum=momentum_schedule(0.999))",
    "adam(P, 0.1, 0.9, unit_gain=False, variance_momentum=0.999)",
    "adam(P, 0.1, 0.9, epsilon=0.5)",
    "adam(P, 0.1, 0.9, variance_momentum=0.999, adamax=True)",
    "adam(P, 0.1, 0.9, adamax=True)",
    "adam(P, 0.1, 0.9, unit_gain=False, adamax=True)",
    "adam(P, 0.1, 0.9, minibatch_size=2)",
    "adam(P, learning_parameter_schedule_per_sample(0.01), momentum_schedule_per_sample(0.97))",
    "adam(P, 0.1, momentum_as_time_constant_schedule(30), l1_regularization_weight=0.01)",
    "adam(P, [0.1, 0.01], 0.9, epoch_size=6)",
    # adagrad
    "adagrad(P, 0.1)",
    "adagrad(P, 0.1, need_ave_multiplier=False)",
    "adagrad(P, learning_parameter_schedule_per_sample(0.02))",
    "adagrad(P, 0.1, l1_regularization_weight=0.01, l2_regularization_weight=0.02)",
    # fsadagrad
    "fsadagrad(P, 0.1, 0.9)",
    "fsadagrad(P, 0.1, 0.9, variance_momentum=0.999)",
    "fsadagrad(P, 0.1, 0.9, unit_gain=False)",
    "fsadagrad(P, 0.1, momentum_as_time_constant_schedule(30), variance_momentum=momentum_as_time_constant_schedule(100))",
    "fsadagrad(P, learning_parameter_schedule_per_sample(0.01), 0.9, minibatch_size=3)",
    # rmsprop
    "rmsprop(P, 0.1, 0.9, 1.2, 0.7, 10, 0.1)",
    "rmsprop(P, 0.1, 0.9, 1.2, 0.7, 10, 0.1, need_ave_multiplier=False)",
    "rmsprop(P, learning_parameter_schedule_per_sample(0.01), 0.95, 1.5, 0.5, 5.0, 0.01)",
    "rmsprop(P, 0.1, 0.9, 1.2, 0.7, 0.05, 0.001, l2_regularization_weight=0.01)",
    # adadelta
    "adadelta(P)",
    "adadelta(P, 1.0)",
    "adadelta(P, learning_parameter_schedule(0.5), rho=0.9, epsilon=1e-2)",
    "adadelta(P, 1.0, minibatch_size=2, l2_regularization_weight=0.01)",
    "adadelta(P, learning_parameter_schedule_per_sample(1.0), use_mean_gradient=True)",
    # order of clipping and L2
    "sgd(P, 0.1, l2_regularization_weight=0.05, gradient_clipping_threshold_per_sample=0.3)",
    "momentum_sgd(P, 0.1, 0.9, l2_regularization_weight=0.05, gradient_clipping_threshold_per_sample=0.3, gradient_clipping_with_truncation=False)",
    # "compatible mode": the learner's reference minibatch size is IGNORE (use_mean_gradient=True or minibatch_size=0)
    "adadelta(P, 1.0, use_mean_gradient=True)",
    "adadelta(P, 1.0, minibatch_size=0)",
    "adadelta(P, learning_parameter_schedule(1.0, minibatch_size=4), use_mean_gradient=True)",
    "adadelta(P, learning_parameter_schedule(2.0, minibatch_size=3), minibatch_size=0)",
    "adagrad(P, 0.1, need_ave_multiplier=False, use_mean_gradient=True)",
    "rmsprop(P, 0.1, 0.9, 1.2, 0.7, 10, 0.1, need_ave_multiplier=False, use_mean_gradient=True)",
    "adam(P, 0.1, 0.9, epsilon=0.5, use_mean_gradient=True)",
    "adam(P, 0.1, momentum_schedule(0.9, minibatch_size=2), epsilon=0.5, use_mean_gradient=True, l2_regularization_weight=0.01)",
    "fsadagrad(P, 0.1, 0.9, use_mean_gradient=True)",
    "fsadagrad(P, 0.1, 0.9, variance_momentum=0.999, minibatch_size=0)",
    "sgd(P, 0.1, minibatch_size=0, l2_regularization_weight=0.03, gradient_clipping_threshold_per_sample=0.3)",
    "sgd(P, 0.1, use_mean_gradient=True, l1_regularization_weight=0.02)",
    "sgd(P, learning_parameter_schedule(0.1, minibatch_size=4), use_mean_gradient=True)",
    "sgd(P, learning_parameter_schedule(0.1, minibatch_size=4), minibatch_size=0)",
    "sgd(P, learning_parameter_schedule_per_sample(0.02), minibatch_size=0)",
    "momentum_sgd(P, 0.1, 0.9, use_mean_gradient=True, gradient_clipping_threshold_per_sample=0.3, gradient_clipping_with_truncation=False)",
    "momentum_sgd(P, 0.1, 0.9, use_mean_gradient=True, gradient_clipping_threshold_per_sample=0.3, l2_regularization_weight=0.05)",
]
DTYPE64 = [
    "sgd(P, 0.1)",
    "momentum_sgd(P, 0.1, 0.9)",
    "adam(P, 0.1, 0.9)",
    "fsadagrad(P, 0.1, 0.9)",
    "rmsprop(P, 0.1, 0.9, 1.2, 0.7, 10, 0.1)",
]
LEARNER_ERRORS = [
    "sgd([], 0.1)",
    "sgd([P[0], P[0]], 0.1)",
    "sgd(P, 'a')",
    "momentum_sgd(P, 0.1, 'a')",
]
# (N, sweep_end) per update
STEPS = [(4, False), (4, False), (2, True), (7, False), (1, False), (3, True), (5, False), (4, False)]


def make_data(dtype):
    rng = np.random.RandomState(7)
    p1 = (rng.randn(3, 4) * 0.5).astype(dtype)
    p2 = (rng.randn(4) * 0.5).astype(dtype)
    grads = []
    for n, _ in STEPS:
        g1 = (rng.randn(3, 4) * np.sqrt(n)).astype(dtype)
        g2 = (rng.randn(4) * np.sqrt(n)).astype(dtype)
        g1[0, 0] = 0.0           # an element whose gradient is always zero
        if n == 7:
            g2[1] = 0.0
        grads.append((g1, g2))
    return p1, p2, grads


def namespace(P):
    ns = {k: getattr(L, k) for k in dir(L) if not k.startswith('_')}
    ns['P'] = P
    ns['C'] = C
    return ns


def run_learner(expr, dtype):
    p1, p2, grads = make_data(dtype)
    P = [C.parameter((3, 4), init=p1, dtype=dtype, name='p1'), C.parameter((4,), init=p2, dtype=dtype, name='p2')]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        learner = eval(expr, namespace(P))
    rec = {'expr': expr, 'dtype': np.dtype(dtype).name, 'minibatch_size': int(learner.minibatch_size),
           'compatible_mode': bool(learner.is_compatible_mode()),
           'lr_before': learner.learning_rate(), 'steps': []}
    for (n, sweep_end), (g1, g2) in zip(STEPS, grads):
        ret = learner.update({P[0]: g1, P[1]: g2}, n, sweep_end)
        rec['steps'].append({
            'ret': bool(ret), 'lr': learner.learning_rate(),
            'samples': int(learner.total_number_of_samples_seen()),
            'minibatches': int(learner.total_number_of_minibatches_seen()),
            'sweeps': int(learner.total_number_of_sweeps_seen()),
            'p1': P[0].value.astype(np.float64).tolist(), 'p2': P[1].value.astype(np.float64).tolist()})
    return rec


def schedule_info(s):
    return {'minibatch_size': int(s.minibatch_size),
            'explicit': bool(s.is_minibatch_size_explicitly_specified),
            'sweep_based': bool(s.is_sweep_based()),
            'values': [s[i] for i in INDICES]}


def error_of(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - recording the reference's exception class
        return type(e).__name__
    return None


def scenario_reset():
    """reset_learning_rate restarts the new schedule's sample count."""
    p1, p2, grads = make_data(np.float32)
    P = [C.parameter((3, 4), init=p1, name='p1'), C.parameter((4,), init=p2, name='p2')]
    learner = L.sgd(P, L.learning_parameter_schedule([0.1, 0.05, 0.02], epoch_size=4))
    out = []
    for i, ((n, sweep_end), (g1, g2)) in enumerate(zip(STEPS, grads)):
        if i == 2:
            learner.reset_learning_rate(L.learning_parameter_schedule([1.0, 0.5, 0.25], epoch_size=4))
            out.append({'after_reset_lr': learner.learning_rate()})
        learner.update({P[0]: g1, P[1]: g2}, n, sweep_end)
        out.append({'lr': learner.learning_rate(), 'samples': int(learner.total_number_of_samples_seen()),
                    'p1': P[0].value.astype(np.float64).tolist(), 'p2': P[1].value.astype(np.float64).tolist()})
    return out


def scenario_unit_gain_default():
    """set_default_unit_gain_value vs. the learners' default arguments."""
    L.set_default_unit_gain_value(False)
    try:
        value = L.default_unit_gain_value()
        rec = run_learner("momentum_sgd(P, 0.1, 0.9)", np.float32)
    finally:
        L.set_default_unit_gain_value(True)
    return {'default_after_set': bool(value), 'run': rec}


def main():
    res = {'steps': STEPS, 'indices': INDICES, 'schedules': {}, 'schedule_errors': {}, 'learners': {},
           'learners_f64': {}, 'learner_errors': {}}
    for expr in SCHEDULES:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            res['schedules'][expr] = schedule_info(eval(expr, namespace([])))
    for expr in SCHEDULE_ERRORS:
        res['schedule_errors'][expr] = error_of(lambda: eval(expr, namespace([])))
    p1, p2, grads = make_data(np.float32)
    res['data'] = {'p1': p1.tolist(), 'p2': p2.tolist(), 'grads': [[g1.tolist(), g2.tolist()] for g1, g2 in grads]}
    for expr in LEARNERS:
        res['learners'][expr] = run_learner(expr, np.float32)
    for expr in DTYPE64:
        res['learners_f64'][expr] = run_learner(expr, np.float64)
    P = [C.parameter((3, 4), init=p1, name='p1'), C.parameter((4,), init=p2, name='p2')]
    for expr in LEARNER_ERRORS:
        res['learner_errors'][expr] = error_of(lambda: eval(expr, namespace(P)))
    res['reset_scenario'] = scenario_reset()
    res['unit_gain_default'] = scenario_unit_gain_default()
    os.makedirs(OUT_DIR, exist_ok=True)
    with open(os.path.join(OUT_DIR, 'learner_api_ref.json'), 'w') as f:
        json.dump(res, f, indent=0, sort_keys=True)
    print('wrote', len(res['learners']), 'learner runs,', len(res['schedules']), 'schedules')


if __name__ == '__main__':
    main()
