"""One worker of the distributed tests' runs (started twice by `launcher.launch`).

    python worker.py first DIR    # data parallel (whole run, shares, progress, checkpointed half run),
                                  # block momentum and 1-bit runs of the seed-like workload, uneven shares
    python worker.py second DIR   # resume the checkpointed half run; then die (rank 1) mid-run

Results go to files in DIR (``*_rank<r>.npy`` / ``.json``); only the progress printer prints.
"""
import json
import os
import signal
import sys

import numpy as np

import cntk as C
import cntk._train.checkpoint as checkpoint_files
from cntk._distributed.training import data_share
from cntk._train.session import read_minibatch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workload as W  # noqa: E402

D = C.train.distributed


def data_parallel(learner):
    return D.data_parallel_distributed_learner(learner)


def save_json(directory, name, rank, value):
    with open(os.path.join(directory, '%s_rank%d.json' % (name, rank)), 'w') as f:
        json.dump(value, f)


def shares(directory, rank):
    """The sequence ids of one sweep as the training session reads them on this worker."""
    x, y, z, loss, metric = W.tagger()
    share = data_share([data_parallel(W.tagger_learner(z))], 0)
    source = W.reader(os.path.join(directory, 'tagger.ctf'))
    ids, sweep_ends = [], []
    for _ in range(W.SWEEP // W.MB):
        batch = read_minibatch(source, {'id': source.streams.id}, W.MB, share)
        ids += sorted({int(v) for seq in batch['id'].asarray() for v in np.ravel(seq)})
        sweep_ends.append(bool(batch['id'].end_of_sweep))
    save_json(directory, 'shares', rank, {'share': list(share), 'ids': ids, 'sweep_ends': sweep_ends})


def counting_checkpoint_writes():
    """Count the checkpoint files this worker writes."""
    writes = []
    save = checkpoint_files.save

    def counted(*args, **kwargs):
        writes.append(args[0])
        return save(*args, **kwargs)
    checkpoint_files.save = counted
    return writes


def first(directory, rank):
    shares(directory, rank)
    z, trainer = W.train_tagger(directory, data_parallel, 2 * W.SWEEP, printer=C.logging.ProgressPrinter(W.PRINT_FREQ))
    np.save(os.path.join(directory, 'whole_rank%d.npy' % rank), W.flat_parameters(z))
    writes = counting_checkpoint_writes()
    config = C.CheckpointConfig(os.path.join(directory, 'part.model'), frequency=W.SWEEP // 2)
    W.train_tagger(directory, data_parallel, W.SWEEP, checkpoint=config)
    save_json(directory, 'checkpoint_writes', rank, len(writes))
    seed_like = {}
    for name, learner_of in [('block_momentum', lambda l: D.block_momentum_distributed_learner(l, 128)),
                             ('one_bit', lambda l: D.data_parallel_distributed_learner(l, num_quantization_bits=1))]:
        before, after, model = W.train_seed_like(learner_of)
        seed_like[name] = {'before': before, 'after': after, 'parameters': W.flat_parameters(model).tolist()}
    save_json(directory, 'seed_like', rank, seed_like)
    parameters, samples = W.train_uneven(data_parallel)
    save_json(directory, 'uneven', rank, {'parameters': parameters.tolist(), 'samples': samples})


class DyingSession(C.train.TrainingSession):
    """Worker 1 is killed (SIGKILL) after its third minibatch."""

    def on_minibatch_end(self):
        self.count = getattr(self, 'count', 0) + 1
        if D.Communicator.rank() == 1 and self.count == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return True


def second(directory, rank):
    config = C.CheckpointConfig(os.path.join(directory, 'part.model'), frequency=W.SWEEP // 2, restore=True)
    z, trainer = W.train_tagger(directory, data_parallel, 2 * W.SWEEP, checkpoint=config)
    np.save(os.path.join(directory, 'resumed_rank%d.npy' % rank), W.flat_parameters(z))
    x, y, z, loss, metric = W.tagger()
    source = W.reader(os.path.join(directory, 'tagger.ctf'))
    trainer = C.Trainer(z, (loss, metric), [data_parallel(W.tagger_learner(z))])
    DyingSession(trainer, source, W.MB, {x: source.streams.x, y: source.streams.y}, 100 * W.SWEEP, None, None, None,
                 None).train()


if __name__ == '__main__':
    {'first': first, 'second': second}[sys.argv[1]](sys.argv[2], D.Communicator.rank())
    D.Communicator.finalize()
