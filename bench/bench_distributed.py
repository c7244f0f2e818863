"""Data-parallel scaling on the CPU: training samples per second with 1 worker and with 2.

    .venv/bin/python bench/bench_distributed.py [--workers 1 2] [--minibatches 10] [--warmup 2] [--mb 1000]

Workload: W3 of the bench suite (ATIS slot tagging from CTF: sparse 943-word input,
Embedding(150), Recurrence(LSTM(300)), Dense(129); cross entropy, Adam), trained with
``training_session`` and ``data_parallel_distributed_learner`` on global minibatches of ``--mb``
samples; every worker runs one torch thread and trains on its share of each minibatch, the
workers talk over gloo on loopback. Worker 0 times ``--minibatches`` minibatches after
``--warmup`` and reports samples per wall-clock second; the driver prints one JSON line per
worker count and the scaling efficiency (speed-up / workers). With fewer free cores than workers
the figure measures contention, not scaling. This is a benchmark, not a test.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)


def worker(args):
    """One worker: train W3 data-parallel and, on worker 0, print the measured rate as JSON."""
    import torch
    torch.set_num_threads(1)
    import cntk as C
    from measure import ATIS
    L = C.layers
    x = C.sequence.input_variable(943, is_sparse=True)
    y = C.sequence.input_variable(129, is_sparse=True)
    model = L.Sequential([L.Embedding(150), L.Recurrence(L.LSTM(300)), L.Dense(129)])(x)
    streams = C.io.StreamDefs(query=C.io.StreamDef(field='S0', shape=943, is_sparse=True),
                              slots=C.io.StreamDef(field='S2', shape=129, is_sparse=True))
    source = C.io.MinibatchSource(C.io.CTFDeserializer(args.atis or ATIS, streams), randomize=False)
    learner = C.train.distributed.data_parallel_distributed_learner(
        C.adam(model.parameters, lr=C.learning_parameter_schedule(0.005), momentum=C.momentum_schedule(0.9)))
    trainer = C.Trainer(model, (C.cross_entropy_with_softmax(model, y), C.classification_error(model, y)), [learner])
    marks = []

    class Timed(C.train.TrainingSession):
        def on_minibatch_end(self):
            marks.append((time.time(), trainer.total_number_of_samples_seen))
            return True

    Timed(trainer, source, args.mb, {x: source.streams.query, y: source.streams.slots},
          args.mb * (args.warmup + args.minibatches), None, None, None, None).train()
    (t0, s0), (t1, s1) = marks[args.warmup - 1], marks[-1]
    if C.train.distributed.Communicator.rank() == 0:
        print(json.dumps({'workers': C.train.distributed.Communicator.num_workers(), 'samples': s1 - s0,
                          'seconds': round(t1 - t0, 3), 'samples_per_s': round((s1 - s0) / (t1 - t0), 1)}))
    C.train.distributed.Communicator.finalize()


def run(n, args):
    """Start ``n`` workers as torchrun would; return worker 0's measurement."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    procs = []
    for rank in range(n):
        env = dict(os.environ, RANK=str(rank), WORLD_SIZE=str(n), LOCAL_RANK=str(rank), MASTER_ADDR='127.0.0.1',
                   MASTER_PORT=str(port), OMP_NUM_THREADS='1')
        cmd = [sys.executable, os.path.abspath(__file__), '--worker', '--mb', str(args.mb), '--minibatches',
               str(args.minibatches), '--warmup', str(args.warmup)] + (['--atis', args.atis] if args.atis else [])
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True, cwd=HERE))
    outputs = [p.communicate()[0] for p in procs]
    if any(p.returncode for p in procs):
        raise SystemExit('a worker failed (exit codes %s)' % [p.returncode for p in procs])
    return json.loads(outputs[0].strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--workers', type=int, nargs='+', default=[1, 2])
    parser.add_argument('--minibatches', type=int, default=10, help='timed minibatches')
    parser.add_argument('--warmup', type=int, default=2, help='untimed minibatches first')
    parser.add_argument('--mb', type=int, default=1000, help='global minibatch size in samples')
    parser.add_argument('--atis', default=None, help='ATIS train CTF (default: see bench/measure.py)')
    parser.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    print(json.dumps({'cpu_cores': os.cpu_count(), 'load_average': [round(v, 2) for v in os.getloadavg()]}))
    base = None
    for n in args.workers:
        result = run(n, args)
        base = base or result['samples_per_s'] / result['workers']
        result['scaling_efficiency'] = round(result['samples_per_s'] / (base * result['workers']), 3)
        print(json.dumps(result))


if __name__ == '__main__':
    main()
