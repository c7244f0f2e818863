"""Benchmark workloads W1-W5, written once against the ``cntk`` API: the same file runs under
cntk-torch and under CNTK 2.7 (Python 3.6, so no newer syntax here).

    python bench/workloads.py W1 [--seconds 2]      # prints one JSON line

W1 the seed model Fold(LSTM(15)) + Dense(1), length 14, 140 samples per minibatch; W2
Recurrence(LSTM(50)), Dropout(0.2), Fold(LSTM(50)), Dense(1), length 50, 1000 samples; W3 ATIS slot
tagging read from CTF (sparse 943-word input, Embedding(150), Recurrence(LSTM(300)), Dense(129)),
~1000 samples; W4 W2 with GRU(50); W5 Recurrence(LSTM(512)) on 256-dim input, length 100, 32
sequences. A sample is one step of an input sequence. Training is ``Trainer.train_minibatch`` with
Adam (W3: SGD with momentum); inference is ``Function.eval``. Throughput is samples per second of process CPU time.
`bench/run.py` runs this file for every system; see bench/README.md.
"""
import argparse
import json
import resource

import numpy as np

import cntk as C
from measure import ATIS, BATCHES, throughput

try:  # cntk-torch: one thread, as every system in the suite
    import torch
    torch.set_num_threads(1)
except ImportError:  # CNTK 2.7: OMP_THREAD_LIMIT=1 is set by the driver
    pass


class Workload(object):
    """A model, its criterion and learner (Adam, or SGD with momentum where the gradients are sparse:
    CNTK 2.7's Adam has no sparse-gradient kernel on CPU), and minibatches (training feeds,
    inference feeds, sample counts)."""

    def __init__(self, model, loss, metric, train_feeds, infer_feeds, samples, sparse_gradients=False):
        self.model = model
        make = C.momentum_sgd if sparse_gradients else C.adam
        learner = make(model.parameters, lr=C.learning_parameter_schedule(0.005), momentum=C.momentum_schedule(0.9))
        self.trainer = C.Trainer(model, (loss, metric), [learner])
        self.train_feeds = train_feeds
        self.infer_feeds = infer_feeds
        self.samples = samples

    def train(self, k):
        self.trainer.train_minibatch(self.train_feeds[k])

    def infer(self, k):
        self.model.eval(self.infer_feeds[k])


def _dense_sequences(x, y, n_seq, length, dim, target, seed):
    """BATCHES minibatches of equal-length random sequences and their targets."""
    rng = np.random.RandomState(seed)
    train, infer = [], []
    for _ in range(BATCHES):
        xs = rng.standard_normal((n_seq, length, dim)).astype(np.float32)
        ys = rng.standard_normal((n_seq,) + target).astype(np.float32)
        train.append({x: xs, y: ys})
        infer.append({x: xs})
    return train, infer, [n_seq * length] * BATCHES


def _regression(layers, n_seq, length, dim, seed, per_step=False, out_dim=1):
    x = C.sequence.input_variable(dim)
    model = C.layers.Sequential(layers)(x)
    y = C.sequence.input_variable(out_dim) if per_step else C.input_variable(out_dim)
    loss = C.squared_error(model, y)
    train, infer, samples = _dense_sequences(x, y, n_seq, length, dim, (length, out_dim) if per_step else (out_dim,),
                                             seed)
    return Workload(model, loss, loss, train, infer, samples)


def w1():
    L = C.layers
    return _regression([L.Fold(L.LSTM(15)), L.Dense(1)], 10, 14, 1, seed=1)


def _two_layer(cell):
    L = C.layers
    with C.default_options(initial_state=0.1):
        layers = [L.Recurrence(cell(50)), L.Dropout(0.2), L.Fold(cell(50)), L.Dense(1)]
    return _regression(layers, 20, 50, 1, seed=2)


def w2():
    return _two_layer(C.layers.LSTM)


def w4():
    return _two_layer(C.layers.GRU)


def w5():
    return _regression([C.layers.Recurrence(C.layers.LSTM(512))], 32, 100, 256, seed=5, per_step=True, out_dim=512)


def w3():
    L = C.layers
    x = C.sequence.input_variable(943, is_sparse=True)
    y = C.sequence.input_variable(129, is_sparse=True)
    model = L.Sequential([L.Embedding(150), L.Recurrence(L.LSTM(300)), L.Dense(129)])(x)
    loss = C.cross_entropy_with_softmax(model, y)
    metric = C.classification_error(model, y)
    streams = C.io.StreamDefs(query=C.io.StreamDef(field='S0', shape=943, is_sparse=True),
                              slots=C.io.StreamDef(field='S2', shape=129, is_sparse=True))
    source = C.io.MinibatchSource(C.io.CTFDeserializer(ATIS, streams), randomize=False, max_sweeps=1)
    train, infer, samples = [], [], []
    for _ in range(BATCHES):
        mb = source.next_minibatch(1000)
        # CNTK's reader reuses its buffers: keep copies of the values
        query, slots = mb[source.streams.query].data.deep_clone(), mb[source.streams.slots].data.deep_clone()
        train.append({x: query, y: slots})
        infer.append({x: query})
        samples.append(mb[source.streams.query].num_samples)
    return Workload(model, loss, metric, train, infer, samples, sparse_gradients=True)


WORKLOADS = {"W1": w1, "W2": w2, "W3": w3, "W4": w4, "W5": w5}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("--seconds", type=float, default=2.0, help="CPU seconds measured per mode")
    args = parser.parse_args()
    w = WORKLOADS[args.workload]()
    result = {"workload": args.workload, "cntk": C.__file__,
              "train": throughput(w.train, w.samples, args.seconds),
              "infer": throughput(w.infer, w.samples, args.seconds),
              "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
