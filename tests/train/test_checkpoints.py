"""Trainer checkpoints: exact resumption (also after a crash), atomic writes, clear errors."""
import os
import subprocess
import sys

import numpy as np
import pytest

import cntk as C

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import train_scenarios  # noqa: E402


def gru_trainer(seed):
    x = C.sequence.input_variable(2, name='x')
    y = C.input_variable(3, name='y')
    z = C.layers.Sequential([C.layers.Recurrence(C.layers.GRU(4)), C.sequence.last, C.layers.Dense(3)])(x)
    train_scenarios.set_parameters(z, seed)
    ce = C.cross_entropy_with_softmax(z, y)
    learner = C.adam(z.parameters, C.learning_parameter_schedule(0.01), C.momentum_schedule(0.9))
    return x, y, z, C.Trainer(z, (ce, C.classification_error(z, y)), [learner])


def minibatches(n, seed=0):
    rng = np.random.RandomState(seed)
    out = []
    for _ in range(n):
        lengths = rng.randint(1, 5, size=3)
        xs = [rng.randn(k, 2).astype(np.float32) for k in lengths]
        ys = np.eye(3, dtype=np.float32)[rng.randint(0, 3, size=3)]
        out.append((xs, ys))
    return out


def train(trainer, x, y, batches):
    for xs, ys in batches:
        trainer.train_minibatch({x: xs, y: ys})


def values(z):
    return [p.value.copy() for p in z.parameters]


def test_restore_continues_exactly(tmp_path):
    batches = minibatches(6)
    x, y, z, trainer = gru_trainer(1)
    train(trainer, x, y, batches[:3])
    path = str(tmp_path / 'ck')
    trainer.save_checkpoint(path, {'epoch': 3, 'note': 'half way', 'array': np.arange(3)})
    train(trainer, x, y, batches[3:])
    x2, y2, z2, trainer2 = gru_trainer(2)
    state = trainer2.restore_from_checkpoint(path)
    assert state['epoch'] == 3 and state['note'] == 'half way'
    np.testing.assert_array_equal(state['array'], np.arange(3))
    assert trainer2.total_number_of_samples_seen == 9
    train(trainer2, x2, y2, batches[3:])
    for a, b in zip(values(z), values(z2)):
        np.testing.assert_array_equal(a, b)


def test_failed_save_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    x, y, z, trainer = gru_trainer(1)
    path = str(tmp_path / 'ck')
    trainer.save_checkpoint(path)
    before = {name: open(os.path.join(str(tmp_path), name), 'rb').read() for name in os.listdir(str(tmp_path))}
    train(trainer, x, y, minibatches(2))

    def broken(*args, **kwargs):
        raise OSError('disk full')

    monkeypatch.setattr('cntk._train.checkpoint._write_state', broken)
    with pytest.raises(OSError, match='disk full'):
        trainer.save_checkpoint(path)
    after = {name: open(os.path.join(str(tmp_path), name), 'rb').read() for name in os.listdir(str(tmp_path))}
    assert after == before  # same files, same bytes, no temporary leftovers


def test_checkpoint_of_another_model_is_refused(tmp_path):
    x, y, z, trainer = gru_trainer(1)
    path = str(tmp_path / 'ck')
    trainer.save_checkpoint(path)
    a = C.input_variable(2)
    other = C.layers.Dense(3)(a)
    other_trainer = C.Trainer(other, C.squared_error(other, C.input_variable(3)), [C.sgd(other.parameters, 0.1)])
    with pytest.raises(ValueError, match='another model'):
        other_trainer.restore_from_checkpoint(path)


def test_not_a_checkpoint_is_refused(tmp_path):
    x, y, z, trainer = gru_trainer(1)
    path = tmp_path / 'ck'
    path.write_bytes(b'junk')
    (tmp_path / 'ck.ckp').write_bytes(b'not a zip at all')
    with pytest.raises(ValueError, match='ck.ckp'):
        trainer.restore_from_checkpoint(str(path))


def run_job(directory, die_after=0):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    cmd = [sys.executable, os.path.join(HERE, 'checkpoint_job.py'), '--dir', str(directory)]
    if die_after:
        cmd += ['--die-after', str(die_after)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)


def test_killed_run_resumes_from_its_last_checkpoint_bit_for_bit(tmp_path):
    whole = tmp_path / 'whole'
    whole.mkdir()
    done = run_job(whole)
    assert done.returncode == 0, done.stderr[-2000:]
    crashed = tmp_path / 'crashed'
    crashed.mkdir()
    died = run_job(crashed, die_after=17)
    assert died.returncode == 3, died.stderr[-2000:]
    assert (crashed / 'model.ckpt.ckp').exists() and not (crashed / 'final.npy').exists()
    resumed = run_job(crashed)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert resumed.stdout == done.stdout
    np.testing.assert_array_equal(np.load(str(crashed / 'final.npy')), np.load(str(whole / 'final.npy')))


def test_trainer_continues_a_checkpoint_cntk_wrote():
    """CNTK 2.7 trained a classifier, saved a checkpoint, then made three more Adam steps; a Trainer
    restored from that checkpoint makes the same three steps."""
    models = os.path.join(ROOT, 'tests', 'data', 'models', 'cntk27')
    model_path = os.path.join(models, 'trained_classifier_checkpoint.model')
    z = C.load_model(model_path)
    words, label = z.arguments
    trainer = C.Trainer(None, C.combine([z.outputs[1]]),
                        [C.adam(z.parameters, lr=C.learning_parameter_schedule(0.02), momentum=0.9)])
    assert trainer.restore_from_checkpoint(model_path) == {}
    assert trainer.total_number_of_samples_seen == 240
    steps = np.load(os.path.join(models, 'trained_classifier_continue.npz'))
    losses = []
    for k in range(3):
        lengths = steps['mb%d__words__lengths' % k]
        seqs = [steps['mb%d__words' % k][b, :n] for b, n in enumerate(lengths)]
        trainer.train_minibatch({words: seqs, label: steps['mb%d__label' % k]})
        losses.append(trainer.previous_minibatch_loss_average)
    np.testing.assert_allclose(losses, steps['losses'], rtol=1e-5, atol=1e-6)
    assert trainer.total_number_of_samples_seen == 264


def test_a_checkpoint_restores_constants_such_as_running_statistics(tmp_path):
    x = C.input_variable(10)
    f = C.layers.BatchNormalization()(x)
    trainer = C.Trainer(f, C.reduce_sum(f), C.sgd(f.parameters, C.learning_parameter_schedule_per_sample(0.1)))

    def set_all(v):
        for var in f.constants + f.parameters:
            var.value = np.full(var.shape, v, np.float32)
    set_all(2.)
    trainer.save_checkpoint(str(tmp_path / 'ck'))
    set_all(3.)
    trainer.restore_from_checkpoint(str(tmp_path / 'ck'))
    assert all((var.value == 2.).all() for var in f.constants + f.parameters)
