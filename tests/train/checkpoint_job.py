"""A training job for the checkpoint tests: trains a small GRU classifier on a CTF file with
training_session and checkpoints; with ``--die-after N`` it kills itself (os._exit) after N
minibatches, as a crash would. Prints the final parameters' checksum-free values as .npy files."""
import argparse
import os
import sys

import numpy as np

import cntk as C

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_scenarios  # noqa: E402


class DyingSession(C.train.TrainingSession):
    """A session that dies abruptly after a given number of minibatches."""

    def __init__(self, die_after, *args):
        super().__init__(*args)
        self.die_after = die_after
        self.count = 0

    def on_minibatch_end(self):
        self.count += 1
        if self.die_after and self.count >= self.die_after:
            os._exit(3)
        return True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--dir', required=True)
    parser.add_argument('--die-after', type=int, default=0)
    args = parser.parse_args()
    source, x, y, z, ce, err = train_scenarios._session_parts(C, args.dir)
    learner = C.adam(z.parameters, C.learning_parameter_schedule(0.01), C.momentum_schedule(0.9))
    trainer = C.Trainer(z, (ce, err), [learner])
    reader = source()
    streams = {x: reader.streams.x, y: reader.streams.y}
    checkpoint = C.CheckpointConfig(os.path.join(args.dir, 'model.ckpt'), frequency=25, restore=True)
    session = DyingSession(args.die_after, trainer, reader, 10, streams, 150, None, checkpoint, None, None)
    session.train()
    np.save(os.path.join(args.dir, 'final.npy'), np.concatenate([np.ravel(p.value) for p in z.parameters]))
    print('samples', trainer.total_number_of_samples_seen)


if __name__ == '__main__':
    main()
