"""The seed tutorial's time-series LSTM, complete, on the bundled solar data set.

Each day of half-hourly readings of a solar installation becomes growing sequences of its first
2..14 normalised `solar.total` readings (Wh so far that day); the target is the day's total. The
model is the seed's stacked `Recurrence(LSTM) -> Dropout -> Fold(LSTM) -> Dense` under
`default_options(initial_state=0.1)`, trained with Adam through `loss.train(...)`, printing
`ProgressPrinter(0)`'s table and a test evaluation; then it predicts the daily totals of the test
days (multiplied back by the normaliser), prints the error and plots predicted vs actual.

    python examples/solar_lstm.py                 # about 10 epochs, a few minutes on a laptop CPU
    python examples/solar_lstm.py --epochs 2      # a quick look

The CTF files are written once by `cntk.io.timeseries_to_ctf` (an addition of this project); the
training part is the seed's code and also runs under CNTK 2.7 given the same files (--data-dir).
"""
import argparse
import os
import tempfile

import numpy as np

import cntk
from cntk import sequence, default_options, input_variable, Function
from cntk.layers import Recurrence, LSTM, Dropout, Dense, Sequential, Fold
from cntk.io import CTFDeserializer, MinibatchSource, StreamDef, StreamDefs, INFINITELY_REPEAT
from cntk.losses import squared_error
from cntk.learners import adam
from cntk.logging import ProgressPrinter
from cntk.train import TestConfig

BATCH_SIZE = 14 * 10   # samples (readings) per minibatch, as in the seed
NORMALIZE = 20000      # readings and totals are divided by this (106B's normaliser)
TIME_STEPS = 14        # at most the first 14 readings of a day


def prepare_data(data_dir):
    """Write solar.{train,val,test}.ctf (split by time: the newest days are validation, then test);
    returns the number of training sequences."""
    prefix = os.path.join(data_dir, 'solar')
    if not os.path.exists(prefix + '.train.ctf'):
        from cntk.datasets import solar_csv
        info = cntk.io.timeseries_to_ctf(solar_csv(), prefix, group_by='D', value_columns=['solar.total'],
                                         target='max', target_column='solar.total', min_length=8,
                                         max_length=TIME_STEPS, prefixes=True, normalize=NORMALIZE)
        print('wrote %(train)s, %(val)s, %(test)s' % info, info['counts'])
    with open(prefix + '.train.ctf') as f:
        return len(set(line.split('|', 1)[0].strip() for line in f))


def create_datasource(filename, sweeps=INFINITELY_REPEAT):
    """The seed's reader: a features sequence and a target per sequence."""
    target_stream = StreamDef(field='target', shape=1, is_sparse=False)
    features_stream = StreamDef(field='features', shape=1, is_sparse=False)
    deserializer = CTFDeserializer(filename, StreamDefs(features=features_stream, target=target_stream))
    datasource = MinibatchSource(deserializer, randomize=True, max_sweeps=sweeps)
    return datasource


@Function
def criterion_factory(z, t):
    """The seed's criterion: squared error as loss and as metric (a Function with two outputs)."""
    loss = squared_error(z, t)
    metric = squared_error(z, t)
    return loss, metric


def test_days(data_dir):
    """The test days' first 14 readings (one sequence per day) and their totals, normalised."""
    sequences, totals = [], []
    current, target = [], None
    with open(os.path.join(data_dir, 'solar.test.ctf')) as f:
        for line in f:
            key, rest = line.split('|', 1)
            if current and key.strip() != current[0]:
                sequences.append(np.array(current[1], np.float32).reshape(-1, 1))
                totals.append(target)
                current = []
            if not current:
                current = [key.strip(), []]
            fields = dict(p.strip().split(' ', 1) for p in rest.split('|') if p.strip())
            current[1].append(float(fields['features']))
            if 'target' in fields:
                target = float(fields['target'])
    if current:
        sequences.append(np.array(current[1], np.float32).reshape(-1, 1))
        totals.append(target)
    full = [i for i, s in enumerate(sequences) if i + 1 == len(sequences) or len(sequences[i + 1]) <= len(s)]
    return [sequences[i] for i in full], np.array([totals[i] for i in full], np.float32)


def plot(predicted, actual, path):
    """Predicted vs actual daily totals as a PNG (needs matplotlib: pip install cntk-torch[plot])."""
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        print('(no plot: matplotlib is not installed; pip install "cntk-torch[plot]")')
        return
    plt.figure(figsize=(10, 4))
    plt.plot(actual, label='actual daily total (Wh)')
    plt.plot(predicted, label='predicted from the first 14 readings')
    plt.xlabel('test day')
    plt.legend()
    plt.tight_layout()
    plt.savefig(path)
    print('plot written to', path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--epochs', type=int, default=10)
    parser.add_argument('--data-dir', default=os.path.join(tempfile.gettempdir(), 'cntk-torch-solar'))
    parser.add_argument('--plot', default='solar_predictions.png')
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--max-samples', type=int, default=None,
                        help='stop each epoch early after this many training sequences (for a smoke test)')
    args = parser.parse_args()
    os.makedirs(args.data_dir, exist_ok=True)
    cntk.cntk_py.set_fixed_random_seed(args.seed)
    EPOCH_SIZE = prepare_data(args.data_dir)
    if args.max_samples:
        EPOCH_SIZE = min(EPOCH_SIZE, args.max_samples)

    # --- the seed program ---
    features = sequence.input_variable(1)
    with default_options(initial_state=0.1):
        model = Sequential([
            Recurrence(LSTM(15)),
            Dropout(0.2),
            Fold(LSTM(15)),
            Dense(1)
        ])(features)
    target = input_variable(1, dynamic_axes=model.dynamic_axes)

    loss = criterion_factory(model, target)
    learner = adam(model.parameters, lr=0.005, momentum=0.9)

    train_datasource = create_datasource(os.path.join(args.data_dir, 'solar.train.ctf'))
    test_datasource = create_datasource(os.path.join(args.data_dir, 'solar.test.ctf'), sweeps=1)

    progress_writer = ProgressPrinter(0)
    test_config = TestConfig(test_datasource)
    input_map = {
        features: train_datasource.streams.features,
        target: train_datasource.streams.target
    }
    history = loss.train(
        train_datasource,
        epoch_size=EPOCH_SIZE,
        parameter_learners=[learner],
        model_inputs_to_streams=input_map,
        callbacks=[progress_writer, test_config],
        minibatch_size=BATCH_SIZE,
        max_epochs=args.epochs
    )
    # --- predictions on the test days ---
    test_samples, actual = test_days(args.data_dir)
    predicted = np.asarray(model(test_samples)).reshape(-1) * NORMALIZE
    actual = actual * NORMALIZE
    print('first test days, predicted vs actual daily total (Wh):')
    for p, a in list(zip(predicted, actual))[:5]:
        print('  %9.1f  %9.1f' % (p, a))
    print('test MSE (normalised) %.6f over %d sequences; daily totals: mean absolute error %.1f Wh '
          '(%.1f%% of the mean day) over %d days'
          % (history.test_summary.metric, history.test_summary.samples, np.mean(np.abs(predicted - actual)),
             100 * np.mean(np.abs(predicted - actual)) / np.mean(actual), len(actual)))
    plot(predicted, actual, args.plot)


if __name__ == '__main__':
    main()
