"""Training scenarios written once against the `cntk` API. They run unchanged under CNTK 2.7
(tools/golden/make_train_golden.py records their printed text and numbers) and under this package
(tests/train/test_train_golden.py compares). Python 3.6 compatible: the reference runs them.

Each scenario takes the `cntk` module and a scratch directory, prints what a user would see and
returns a dict of numbers (floats, ints, lists, arrays). Parameters are set from a seeded NumPy
generator so both implementations start from the same point; dropout is left out (its random
masks differ by design).
"""
import os

import numpy as np


def set_parameters(model, seed, scale=0.5):
    """Overwrite every parameter with values drawn from a seeded generator (in parameter order)."""
    rng = np.random.RandomState(seed)
    for p in model.parameters:
        p.value = rng.uniform(-scale, scale, p.shape).astype(p.dtype)


def parameter_values(model):
    """The parameters' values in order, as lists (JSON-friendly)."""
    return [np.asarray(p.value, dtype=np.float64).tolist() for p in model.parameters]


def sequence_data(seed, n, length=5):
    """``n`` sequences of ``length`` 1-d readings and their sums."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n, length, 1).astype(np.float32)
    return X, X.sum(1).astype(np.float32)


def lstm_regressor(C, hidden=4):
    """Recurrence(LSTM) -> last -> Dense(1) and an input/label pair, parameters fixed."""
    x = C.sequence.input_variable(1, name='x')
    z = C.layers.Sequential([C.layers.Recurrence(C.layers.LSTM(hidden)), C.sequence.last, C.layers.Dense(1)])(x)
    y = C.input_variable(1, dynamic_axes=z.dynamic_axes, name='y')
    set_parameters(z, 3)
    return x, y, z


def _trainer_epochs(C, printer, with_metric=True, metric_printer=True):
    x, y, z = lstm_regressor(C)
    loss = C.squared_error(z, y)
    err = C.squared_error(z, y)
    learner = C.adam(z.parameters, C.learning_parameter_schedule(0.005), C.momentum_schedule(0.9))
    trainer = C.Trainer(z, (loss, err if with_metric else None), [learner], [printer])
    C.logging.log_number_of_parameters(z)
    X, Y = sequence_data(0, 40)
    averages = []
    for _ in range(2):
        for i in range(0, 40, 4):
            trainer.train_minibatch({x: X[i:i + 4], y: Y[i:i + 4]})
            averages.append([trainer.previous_minibatch_loss_average, trainer.previous_minibatch_sample_count])
        trainer.summarize_training_progress()
    Xt, Yt = sequence_data(1, 12)
    tests = []
    evaluator = C.eval.Evaluator(err, [printer] if metric_printer else [])
    for i in range(0, 12, 5):
        if with_metric:
            tests.append(trainer.test_minibatch({x: Xt[i:i + 5], y: Yt[i:i + 5]}))
        tests.append(evaluator.test_minibatch({x: Xt[i:i + 5], y: Yt[i:i + 5]}))
    if with_metric:
        trainer.summarize_test_progress()
    evaluator.summarize_test_progress()
    return {'averages': averages, 'tests': tests, 'samples_seen': trainer.total_number_of_samples_seen,
            'parameters': parameter_values(z)}


def printer_freq3(C, scratch):
    """Periodic lines with ``first``, tag and num_epochs; epoch and test summaries."""
    return _trainer_epochs(C, C.logging.ProgressPrinter(freq=3, first=2, tag='Training', num_epochs=2))


def printer_geometric(C, scratch):
    """``ProgressPrinter(0)``: the table layout, restarting each epoch."""
    return _trainer_epochs(C, C.logging.ProgressPrinter(0))


def printer_geometric_tag(C, scratch):
    """The table layout with tag and num_epochs (summaries stay silent)."""
    return _trainer_epochs(C, C.logging.ProgressPrinter(0, tag='Training', num_epochs=2))


def printer_default(C, scratch):
    """No per-minibatch lines, summaries only."""
    return _trainer_epochs(C, C.logging.ProgressPrinter(tag='Training', num_epochs=2))


def printer_not_pct(C, scratch):
    """``metric_is_pct=False``."""
    return _trainer_epochs(C, C.logging.ProgressPrinter(freq=4, metric_is_pct=False))


def printer_no_metric(C, scratch):
    """A trainer without a metric."""
    return _trainer_epochs(C, C.logging.ProgressPrinter(freq=4, tag='T'), with_metric=False, metric_printer=False)


def learning_rate_lines(C, scratch):
    """'Learning rate per ...' lines: printed when first used and when the value changes."""
    x = C.input_variable(2)
    y = C.input_variable(1)
    z = C.layers.Dense(1)(x)
    set_parameters(z, 5)
    loss = C.squared_error(z, y)
    makers = [
        ('lps(0.005)', lambda p: C.sgd(p, C.learning_parameter_schedule(0.005))),
        ('lps_per_sample(0.005)', lambda p: C.sgd(p, C.learning_parameter_schedule_per_sample(0.005))),
        ('lps(0.005, minibatch_size=10)', lambda p: C.sgd(p, C.learning_parameter_schedule(0.005, minibatch_size=10))),
        ('lps([0.01,0.005], epoch_size=8)', lambda p: C.sgd(p, C.learning_parameter_schedule([0.01, 0.005],
                                                                                            epoch_size=8))),
    ]
    for name, make in makers:
        print('##', name)
        printer = C.logging.ProgressPrinter(freq=2, first=0)
        trainer = C.Trainer(z, (loss, None), [make(z.parameters)], [printer])
        for _ in range(4):
            trainer.train_minibatch({x: np.ones((4, 2), np.float32), y: np.ones((4, 1), np.float32)})
    return {'parameters': parameter_values(z)}


def hyperparameter_lines(C, scratch):
    """Which learners report which hyper-parameters ('Momentum per ...' only for momentum_sgd)."""
    x = C.input_variable(1)
    y = C.input_variable(1)
    w = C.parameter((1,), init=1.0)
    loss = C.squared_error(x * w, y)
    lps, mom = C.learning_parameter_schedule, C.momentum_schedule
    makers = [
        ('momentum_sgd', lambda p: C.momentum_sgd(p, C.learning_parameter_schedule_per_sample([0.3, 0.2], epoch_size=1),
                                                  mom([0.6, 0.7], epoch_size=1))),
        ('nesterov', lambda p: C.nesterov(p, lps([0.3, 0.2], epoch_size=1), mom([0.6, 0.7], epoch_size=1))),
        ('adam', lambda p: C.adam(p, lps([0.3, 0.2], epoch_size=1), mom([0.6, 0.7], epoch_size=1))),
        ('fsadagrad', lambda p: C.fsadagrad(p, lps([0.3, 0.2], epoch_size=1), mom([0.6, 0.7], epoch_size=1))),
        ('time constant', lambda p: C.momentum_sgd(p, lps(0.1), C.momentum_as_time_constant_schedule(100))),
        ('per sample', lambda p: C.momentum_sgd(p, lps(0.1), C.momentum_schedule_per_sample(0.9))),
        ('rmsprop', lambda p: C.rmsprop(p, 0.1, 0.9, 1.2, 0.7, 10, 0.001)),
        ('adagrad', lambda p: C.adagrad(p, 0.1)),
        ('adadelta', lambda p: C.adadelta(p, 0.1)),
    ]
    for name, make in makers:
        print('##', name)
        trainer = C.Trainer(None, loss, [make(loss.parameters)], [C.logging.ProgressPrinter(freq=100)])
        for _ in range(3):
            trainer.train_minibatch({x: [[2.]], y: [[1.]]})
    return {'w': np.asarray(w.value).tolist()}


def manual_printer(C, scratch):
    """A printer fed by hand: update, update_with_trainer, epoch_summary, update without metric."""
    printer = C.logging.ProgressPrinter(freq=3, first=2, tag='Manual')
    rng = np.random.RandomState(7)
    for _ in range(7):
        printer.update(float(rng.uniform(0, 2)), int(rng.randint(1, 9)), float(rng.uniform(0, 1)))
    first = printer.epoch_summary(with_metric=True)
    for _ in range(4):
        printer.update(float(rng.uniform(0, 2)), 5)
    second = printer.epoch_summary()
    geometric = C.logging.ProgressPrinter(0)
    for _ in range(8):
        geometric.update(float(rng.uniform(0, 2)), 3, float(rng.uniform(0, 1)))
    third = geometric.epoch_summary(with_metric=True)
    return {'first': list(first), 'second': list(second), 'third': third}


def sequence_loss_counts(C, scratch):
    """Per-step loss on ragged sequences: averages over steps, counts of steps, Adam updates."""
    x = C.sequence.input_variable(2, name='x')
    y = C.sequence.input_variable(1, name='y')
    z = C.layers.Sequential([C.layers.Recurrence(C.layers.GRU(3)), C.layers.Dense(1)])(x)
    set_parameters(z, 11)
    loss = C.squared_error(z, y)
    err = C.classification_error(C.splice(z, 1 - z), C.splice(y, 1 - y))
    trainer = C.Trainer(z, (loss, err), [C.adam(z.parameters, 0.01, 0.9)])
    rng = np.random.RandomState(2)
    out = []
    for lengths in ([3, 1, 4], [2, 5], [1, 1, 1, 6]):
        xs = [rng.randn(n, 2).astype(np.float32) for n in lengths]
        ys = [(rng.rand(n, 1) > 0.5).astype(np.float32) for n in lengths]
        updated = trainer.train_minibatch({x: xs, y: ys})
        out.append([bool(updated), trainer.previous_minibatch_loss_average,
                    trainer.previous_minibatch_evaluation_average, trainer.previous_minibatch_sample_count])
    return {'minibatches': out, 'parameters': parameter_values(z)}


def criterion_forms(C, scratch):
    """The same training through (loss, metric), a two-output Function and a single loss."""
    rng = np.random.RandomState(4)
    X = rng.randn(12, 3).astype(np.float32)
    Y = np.eye(2, dtype=np.float32)[(X.sum(1) > 0).astype(int)]
    results = {}
    for form in ('pair', 'combined', 'loss_only'):
        x = C.input_variable(3)
        y = C.input_variable(2)
        z = C.layers.Dense(2)(x)
        set_parameters(z, 9)
        ce = C.cross_entropy_with_softmax(z, y)
        pe = C.classification_error(z, y)
        criterion = {'pair': (ce, pe), 'combined': C.combine([ce, pe]), 'loss_only': ce}[form]
        trainer = C.Trainer(z, criterion, [C.momentum_sgd(z.parameters, 0.1, 0.9)])
        rows = []
        for i in range(0, 12, 4):
            trainer.train_minibatch({x: X[i:i + 4], y: Y[i:i + 4]})
            rows.append(trainer.previous_minibatch_loss_average)
        results[form] = {'losses': rows, 'parameters': parameter_values(z)}
    return results


def function_train(C, scratch):
    """criterion.train on in-memory data with a printer and a TestConfig; criterion.test."""
    rng = np.random.RandomState(0)
    X = rng.randn(20, 3).astype(np.float32)
    Y = (X.sum(1, keepdims=True) > 0).astype(np.float32)
    Y = np.hstack([Y, 1 - Y])
    model = C.layers.Dense(2)

    @C.Function.with_signature(C.layers.Tensor[3], C.layers.Tensor[2])
    def criterion(data, label):
        z = model(data)
        return C.cross_entropy_with_softmax(z, label), C.classification_error(z, label)

    set_parameters(model, 6)
    printer = C.logging.ProgressPrinter(freq=2, tag='Train')
    result = criterion.train((X, Y), minibatch_size=8, max_epochs=2,
                             parameter_learners=[C.sgd(model.parameters, C.learning_parameter_schedule(0.1))],
                             callbacks=[printer, C.TestConfig((X[:10], Y[:10]), minibatch_size=4, criterion=criterion)])
    tested = criterion.test((X, Y), minibatch_size=6, callbacks=[printer])
    again = criterion.train((X, Y), minibatch_size=5, max_epochs=1, epoch_size=10,
                            parameter_learners=[C.sgd(model.parameters, 0.1)], callbacks=[printer])
    return {
        'keys': sorted(result.__dict__.keys()),
        'updates': [[u.loss, u.metric, u.samples] for u in result.updates],
        'epochs': [[u.loss, u.metric, u.samples] for u in result.epoch_summaries],
        'test_summary': [result.test_summary.metric, result.test_summary.samples],
        'tested': [tested.metric, tested.samples],
        'again': [[u.loss, u.metric, u.samples] for u in again.epoch_summaries],
        'parameters': parameter_values(model),
    }


def write_sequence_ctf(path, seed, n):
    """``n`` sequences of 1-4 ``|x a b`` rows with a one-hot ``|y k:1`` on the first row."""
    rng = np.random.RandomState(seed)
    with open(path, 'w') as f:
        for s in range(n):
            for t in range(rng.randint(1, 5)):
                a, b = rng.randn(2)
                label = ' |y %d:1' % rng.randint(0, 3) if t == 0 else ''
                f.write('%d |x %.4f %.4f%s\n' % (s, a, b, label))


def _session_parts(C, scratch):
    from cntk.io import MinibatchSource, CTFDeserializer, StreamDef, StreamDefs, INFINITELY_REPEAT
    path = os.path.join(scratch, 'train.ctf')
    write_sequence_ctf(path, 12, 30)

    def source(sweeps=INFINITELY_REPEAT):
        streams = StreamDefs(x=StreamDef(field='x', shape=2), y=StreamDef(field='y', shape=3, is_sparse=True))
        return MinibatchSource(CTFDeserializer(path, streams), randomize=False, max_sweeps=sweeps)

    x = C.sequence.input_variable(2, name='x')
    y = C.input_variable(3, name='y')
    z = C.layers.Sequential([C.layers.Recurrence(C.layers.GRU(4)), C.sequence.last, C.layers.Dense(3)])(x)
    set_parameters(z, 8)
    ce = C.cross_entropy_with_softmax(z, y)
    err = C.classification_error(z, y)
    return source, x, y, z, ce, err


def session_cv_test(C, scratch):
    """training_session with progress every 40 samples, cross-validation every 60 (callback) and a test."""
    source, x, y, z, ce, err = _session_parts(C, scratch)
    printer = C.logging.ProgressPrinter(freq=5, tag='TS')
    trainer = C.Trainer(z, (ce, err), [C.adam(z.parameters, C.learning_parameter_schedule(0.01),
                                              C.momentum_schedule(0.9))], [printer])
    calls = []

    def on_cv(index, average_error, num_samples, num_minibatches):
        calls.append([index, average_error, num_samples, num_minibatches])
        print('CV callback', index, round(average_error, 4), num_samples, num_minibatches)
        return True

    train_source = source()
    streams = {x: train_source.streams.x, y: train_source.streams.y}
    C.training_session(trainer=trainer, mb_source=train_source, mb_size=10, model_inputs_to_streams=streams,
                       max_samples=120, progress_frequency=40,
                       cv_config=C.CrossValidationConfig(source(1), frequency=60, minibatch_size=10,
                                                         model_inputs_to_streams=streams, callback=on_cv),
                       test_config=C.TestConfig(source(1), minibatch_size=10, model_inputs_to_streams=streams)).train()
    return {'cv_calls': calls, 'samples_seen': trainer.total_number_of_samples_seen,
            'parameters': parameter_values(z)}


def session_minibatch_units(C, scratch):
    """Frequencies counted in minibatches; a CV callback that stops training early."""
    source, x, y, z, ce, err = _session_parts(C, scratch)
    printer = C.logging.ProgressPrinter(tag='MB')
    trainer = C.Trainer(z, (ce, err), [C.sgd(z.parameters, 0.05)], [printer])
    train_source = source()
    streams = {x: train_source.streams.x, y: train_source.streams.y}
    calls = []

    def stop_at_second(index, average_error, num_samples, num_minibatches):
        calls.append([index, average_error, num_samples, num_minibatches])
        return index < 1

    C.training_session(trainer=trainer, mb_source=train_source, mb_size=6, model_inputs_to_streams=streams,
                       max_samples=200, progress_frequency=(4, C.train.DataUnit.minibatch),
                       cv_config=C.CrossValidationConfig(None, frequency=(5, C.train.DataUnit.minibatch),
                                                         callback=stop_at_second)).train()
    return {'cv_calls': calls, 'samples_seen': trainer.total_number_of_samples_seen,
            'parameters': parameter_values(z)}


def seed_model_short(C, scratch):
    """The seed tutorial's model without dropout, trained a few minibatches with ProgressPrinter(0)."""
    x = C.sequence.input_variable(1)
    with C.default_options(initial_state=0.1):
        z = C.layers.Sequential([C.layers.Recurrence(C.layers.LSTM(15)), C.layers.Fold(C.layers.LSTM(15)),
                                 C.layers.Dense(1)])(x)
    set_parameters(z, 21, 0.3)
    t = C.input_variable(1, dynamic_axes=z.dynamic_axes)
    loss = C.squared_error(z, t)
    learner = C.adam(z.parameters, lr=0.005, momentum=0.9)
    rng = np.random.RandomState(5)
    X = rng.rand(70, 14, 1).astype(np.float32)
    Y = X.mean(1).astype(np.float32) * 1.3
    path = os.path.join(scratch, 'seed.ctf')
    with open(path, 'w') as f:
        for s in range(70):
            for step in range(14):
                target = ' |target %.6f' % Y[s, 0] if step == 0 else ''
                f.write('%d |features %.6f%s\n' % (s, X[s, step, 0], target))
    from cntk.io import MinibatchSource, CTFDeserializer, StreamDef, StreamDefs, INFINITELY_REPEAT
    streams = StreamDefs(features=StreamDef(field='features', shape=1), target=StreamDef(field='target', shape=1))
    src = MinibatchSource(CTFDeserializer(path, streams), randomize=False, max_sweeps=INFINITELY_REPEAT)
    history = loss.train(src, epoch_size=60, max_epochs=2, minibatch_size=140, parameter_learners=[learner],
                         model_inputs_to_streams={x: src.streams.features, t: src.streams.target},
                         callbacks=[C.logging.ProgressPrinter(0)])
    return {'updates': [[u.loss, u.metric, u.samples] for u in history.updates],
            'epochs': [[u.loss, u.metric, u.samples] for u in history.epoch_summaries],
            'prediction': np.asarray(z.eval({x: X[:3]})).tolist(), 'parameters': parameter_values(z)}


def summary_callback(C, scratch):
    """TrainingSummaryProgressCallback gets epoch sums, not averages."""
    x = C.input_variable(2)
    y = C.input_variable(1)
    z = C.layers.Dense(1)(x)
    set_parameters(z, 2)
    loss = C.squared_error(z, y)
    seen = []
    writer = C.logging.TrainingSummaryProgressCallback(8, lambda *args: seen.append(list(args)))
    trainer = C.Trainer(z, (loss, loss), [C.sgd(z.parameters, 0.01)], [writer])
    rng = np.random.RandomState(3)
    for epoch in range(2):
        for _ in range(3):
            trainer.train_minibatch({x: rng.randn(4, 2).astype(np.float32), y: rng.randn(4, 1).astype(np.float32)})
        trainer.summarize_training_progress()
    return {'seen': seen}


SCENARIOS = [printer_freq3, printer_geometric, printer_geometric_tag, printer_default, printer_not_pct,
             printer_no_metric, learning_rate_lines, hyperparameter_lines, manual_printer, sequence_loss_counts, criterion_forms,
             function_train, session_cv_test, session_minibatch_units, seed_model_short, summary_callback]
