"""The small workloads of the distributed tests, built identically in every process.

* A tagger over a CTF file (equal-length sequences, so that two workers' shares of a minibatch
  are exactly the single-process minibatch): a per-step Dense network with cross entropy.
* The seed model (Fold(LSTM) + Dense on windows of a noisy sine, like the solar example)
  on in-memory data, for the convergence of block momentum and of quantised gradients.
"""
import os

import numpy as np

import cntk as C

STEPS, DIM, CLASSES, SEQUENCES = 2, 4, 3, 32
SWEEP = STEPS * SEQUENCES          # samples in one pass over the CTF file: 4 minibatches
MB = 16                            # global minibatch: 8 sequences, 4 per worker
PRINT_FREQ = 2


def write_ctf(path):
    """SEQUENCES sequences of STEPS steps: features x, one-hot label y, and the sequence id."""
    rng = np.random.RandomState(7)
    with open(path, 'w') as f:
        for s in range(SEQUENCES):
            for t in range(STEPS):
                x = rng.randn(DIM)
                label = int(np.argmax(x[:CLASSES] + 0.3 * rng.randn(CLASSES)))
                y = ' '.join('1' if c == label else '0' for c in range(CLASSES))
                f.write('%d |x %s |y %s |id %d\n' % (s, ' '.join('%.5f' % v for v in x), y, s))


def reader(path):
    """A randomised reader of the CTF file (streams x, y, id), repeating for ever."""
    streams = C.io.StreamDefs(x=C.io.StreamDef(field='x', shape=DIM), y=C.io.StreamDef(field='y', shape=CLASSES),
                              id=C.io.StreamDef(field='id', shape=1))
    return C.io.MinibatchSource(C.io.CTFDeserializer(path, streams), randomize=True, randomization_seed=3)


def set_parameters(model, seed):
    rng = np.random.RandomState(seed)
    for p in model.parameters:
        p.value = rng.uniform(-0.5, 0.5, p.shape).astype(p.dtype)


def tagger():
    """(x, y, model, loss, metric) of the tagger, parameters fixed."""
    x = C.sequence.input_variable(DIM, name='x')
    y = C.sequence.input_variable(CLASSES, name='y')
    z = C.layers.Sequential([C.layers.Dense(8, activation=C.tanh), C.layers.Dense(CLASSES)])(x)
    set_parameters(z, 11)
    return x, y, z, C.cross_entropy_with_softmax(z, y), C.classification_error(z, y)


def tagger_learner(z):
    return C.momentum_sgd(z.parameters, C.learning_parameter_schedule(0.05), C.momentum_schedule(0.9))


def train_tagger(directory, learner_of, max_samples, printer=None, checkpoint=None):
    """A training_session over the CTF file; returns the model and the trainer."""
    x, y, z, loss, metric = tagger()
    source = reader(os.path.join(directory, 'tagger.ctf'))
    trainer = C.Trainer(z, (loss, metric), [learner_of(tagger_learner(z))], [printer] if printer else [])
    C.training_session(trainer, source, MB, {x: source.streams.x, y: source.streams.y}, progress_frequency=SWEEP,
                       max_samples=max_samples, checkpoint_config=checkpoint).train()
    return z, trainer


def flat_parameters(z):
    return np.concatenate([np.ravel(p.value) for p in z.parameters])


def seed_data(n=256, length=8):
    """Windows of a noisy sine (the seed example's kind of series) and the value that follows each."""
    rng = np.random.RandomState(5)
    t = np.arange(n + length + 1) * 0.3
    wave = (np.sin(t) + 0.05 * rng.randn(len(t))).astype(np.float32)
    X = np.stack([wave[i:i + length] for i in range(n)])
    return X, wave[length:length + n, None].copy()


def train_seed_like(learner_of, max_samples=1024, mb=32):
    """The seed model (Fold(LSTM) + Dense(1), initial state 0.1) on windows of a noisy sine, each
    window a sequence of 8 readings, trained with `training_session` on in-memory data; returns
    (loss before, loss after, model) over the whole data set."""
    x = C.sequence.input_variable(1, name='x')
    with C.default_options(initial_state=0.1):
        z = C.layers.Sequential([C.layers.Fold(C.layers.LSTM(5)), C.layers.Dense(1)])(x)
    y = C.input_variable(1, name='y')
    rng = np.random.RandomState(4)
    for p in z.parameters:
        p.value = rng.uniform(-0.2, 0.2, p.shape).astype(p.dtype)
    loss = C.squared_error(z, y)
    learner = learner_of(C.adam(z.parameters, C.learning_parameter_schedule(0.1), C.momentum_schedule(0.9)))
    X, Y = seed_data()
    X = X[:, :, None]  # (window, step, reading)
    before = float(np.mean(loss.eval({x: X, y: Y})))
    C.training_session(C.Trainer(z, (loss, None), [learner]), (X, Y), mb, None, max_samples=max_samples).train()
    return before, float(np.mean(loss.eval({x: X, y: Y}))), z


def train_uneven(learner_of):
    """The regressor on 9 windows in minibatches of 4, twice over: each pass ends with a minibatch
    of one window, so one of two workers has an empty share. Returns the parameters."""
    x = C.input_variable(8, name='x')
    z = C.layers.Dense(1)(x)
    y = C.input_variable(1, name='y')
    set_parameters(z, 9)
    X, Y = seed_data(9)
    trainer = C.Trainer(z, C.squared_error(z, y), [learner_of(C.sgd(z.parameters, C.learning_parameter_schedule(0.1)))])
    C.training_session(trainer, (X, Y), 4, None, max_samples=18).train()
    return flat_parameters(z), trainer.total_number_of_samples_seen
