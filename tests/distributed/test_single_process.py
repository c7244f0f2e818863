"""Distributed learners, the Communicator and the Trainer/session hooks in a run of one worker
(and with a pretended second worker where only the choice of data or writers is checked)."""
import math
import os

import numpy as np
import pytest
import torch

import cntk as C
from cntk._distributed import launch, training
from cntk._distributed.block_momentum import default_time_constant
from cntk._io.from_data import UserMinibatchSource
from cntk._train.session import read_minibatch

D = C.train.distributed


def regression(seed=0):
    """A linear model, its squared-error loss and 6 minibatches of data."""
    x = C.input_variable(3)
    y = C.input_variable(1)
    z = C.times(x, C.Parameter((3, 1), init=0.0)) + C.Parameter((1,), init=0.0)
    rng = np.random.RandomState(seed)
    data = [(rng.randn(4, 3).astype(np.float32), rng.randn(4, 1).astype(np.float32)) for _ in range(6)]
    return x, y, z, C.squared_error(z, y), data


def values(z):
    return [p.value.copy() for p in z.parameters]


def train(learner_of, minibatches=6, momentum=True):
    x, y, z, loss, data = regression()
    local = C.momentum_sgd(z.parameters, 0.05, 0.9) if momentum else C.sgd(z.parameters, 0.05)
    trainer = C.Trainer(z, loss, [learner_of(local)])
    for xs, ys in data[:minibatches]:
        trainer.train_minibatch({x: xs, y: ys})
    return z, trainer


@pytest.fixture
def pretend_worker(monkeypatch):
    """Pretend this process is worker ``rank`` of ``size`` (no collective may run)."""
    def become(rank, size):
        monkeypatch.setattr(launch.MEMBERSHIP, 'rank', rank)
        monkeypatch.setattr(launch.MEMBERSHIP, 'world_size', size)
        monkeypatch.setattr(launch.MEMBERSHIP, 'hosts', ['h%d' % r for r in range(size)])
    return become


def test_data_parallel_on_one_worker_is_the_local_learner():
    z1, t1 = train(lambda l: l)
    z2, t2 = train(D.data_parallel_distributed_learner)
    for a, b in zip(values(z1), values(z2)):
        np.testing.assert_array_equal(a, b)
    assert t2.total_number_of_samples_seen == 24 == t2.parameter_learners[0].total_number_of_samples_seen
    assert t2.train_minibatch({}) is False and t2.previous_minibatch_sample_count == 0


def test_the_distributed_learner_reads_through_to_the_local_one():
    x, y, z, loss, _ = regression()
    local = C.sgd(z.parameters, C.learning_parameter_schedule(0.1, minibatch_size=4))
    learner = D.data_parallel_distributed_learner(local, distributed_after=8)
    assert learner.parameters == local.parameters and learner.learning_rate() == 0.1
    assert learner.minibatch_size == local.minibatch_size and learner.parallelization_after() == 8
    assert learner.minibatch_size_scale_factor() == 1 and learner.num_quantization_bits == 32
    assert isinstance(learner.communicator(), D.Communicator) and 'DataParallelLearner' in repr(learner)
    learner.reset_learning_rate(C.learning_parameter_schedule(0.5))
    assert learner.learning_rate() == 0.5
    grads = {p: np.ones(p.shape, np.float32) for p in z.parameters}
    assert learner.update(grads, 4) and learner.total_number_of_samples_seen == 4
    np.testing.assert_allclose(z.parameters[0].value, -0.5 / 4 * np.ones((3, 1)))   # lr / samples, per sample


def test_bad_arguments_are_refused():
    x, y, z, loss, _ = regression()
    local = C.sgd(z.parameters, 0.1)
    with pytest.raises(NotImplementedError, match='use_async_buffered_parameter_update'):
        D.data_parallel_distributed_learner(local, use_async_buffered_parameter_update=True)
    with pytest.raises(ValueError, match='between 1 and 32'):
        D.data_parallel_distributed_learner(local, num_quantization_bits=33)
    with pytest.raises(TypeError, match='already distributed'):
        D.data_parallel_distributed_learner(D.data_parallel_distributed_learner(local))
    with pytest.raises(TypeError, match='wraps a learner'):
        D.data_parallel_distributed_learner(object())
    with pytest.raises(ValueError, match='distributed_after'):
        D.data_parallel_distributed_learner(local, distributed_after=-1)
    with pytest.raises(ValueError, match='block_size 0 is too small'):
        D.block_momentum_distributed_learner(local, 0)
    w, b = z.parameters
    with pytest.raises(ValueError, match='learner 1 is not distributed while learner 0 is'):
        C.Trainer(z, loss, [D.data_parallel_distributed_learner(C.sgd([w], 0.1)), C.sgd([b], 0.1)])


def test_the_default_block_momentum_is_one_minus_one_over_the_workers():
    assert default_time_constant(1, 100) == 0.0
    assert math.isclose(math.exp(-100 / default_time_constant(2, 100)), 0.5)
    assert math.isclose(math.exp(-60 / default_time_constant(4, 60)), 0.75)


def test_block_momentum_on_one_worker_without_momentum_is_local_training():
    z1, _ = train(lambda l: l, momentum=False)
    z2, _ = train(lambda l: D.block_momentum_distributed_learner(l, 8), momentum=False)
    for a, b in zip(values(z1), values(z2)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize('nesterov', [True, False])
def test_block_momentum_applies_cntks_filter(nesterov):
    T, lr_block = 20.0, 0.7
    z, _ = train(lambda l: D.block_momentum_distributed_learner(l, 8, block_momentum_as_time_constant=T,
                                                                 use_nestrov_momentum=nesterov,
                                                                 block_learning_rate=lr_block), momentum=False)
    x, y, ref, loss, data = regression()
    trainer = C.Trainer(ref, loss, [C.sgd(ref.parameters, 0.05)])
    bm = math.exp(-8 / T)
    smoothed = [np.zeros(p.shape, np.float32) for p in ref.parameters]
    for block in range(3):   # blocks of 8 samples: two minibatches of 4
        previous = values(ref)
        for xs, ys in data[2 * block:2 * block + 2]:
            trainer.train_minibatch({x: xs, y: ys})
        for i, p in enumerate(ref.parameters):
            smoothed[i] = bm * smoothed[i] + (1 - bm) * lr_block * (previous[i] - p.value)
            p.value = previous[i] - smoothed[i] - (bm * smoothed[i] if nesterov else 0)
    for a, b in zip(values(z), values(ref)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('make', [D.data_parallel_distributed_learner,
                                  lambda l: D.block_momentum_distributed_learner(l, 8, 30.0)])
def test_checkpoints_resume_distributed_learners_exactly(tmp_path, make):
    path = str(tmp_path / 'model')

    def run(restore):
        x, y, z, loss, data = regression()
        trainer = C.Trainer(z, loss, [make(C.momentum_sgd(z.parameters, 0.05, 0.9))])
        if restore:
            assert trainer.restore_from_checkpoint(path) == {'mine': 1}
        for i, (xs, ys) in enumerate(data[3 if restore else 0:]):
            trainer.train_minibatch({x: xs, y: ys})
            if i == 2 and not restore:   # block momentum synchronises the workers' models here
                trainer.save_checkpoint(path, {'mine': 1})
        return values(z)

    for a, b in zip(run(False), run(True)):
        np.testing.assert_array_equal(a, b)


def test_a_checkpoint_of_another_kind_of_learner_is_refused(tmp_path):
    x, y, z, loss, _ = regression()
    trainer = C.Trainer(z, loss, [D.data_parallel_distributed_learner(C.sgd(z.parameters, 0.1))])
    trainer.save_checkpoint(str(tmp_path / 'model'))
    other = C.Trainer(z, loss, [D.block_momentum_distributed_learner(C.sgd(z.parameters, 0.1), 8)])
    with pytest.raises(ValueError, match="holds a 'data_parallel' learner state, this is a 'block_momentum'"):
        other.restore_from_checkpoint(str(tmp_path / 'model'))


def test_a_communicator_of_one_worker():
    comm = D.mpi_communicator()
    assert D.Communicator.rank() == 0 and D.Communicator.num_workers() == 1 and comm.is_main()
    assert comm.workers() == [comm.current_worker()] and comm.current_worker().is_main()
    assert comm.current_worker().global_rank == 0 and comm.current_worker().host_id
    comm.barrier()
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = np.zeros((2, 3), np.float32)
    np.testing.assert_array_equal(comm.aggregate([a], [out])[0], a)
    np.testing.assert_array_equal(out, a)
    t = torch.ones(2)
    comm.aggregate_in_place([t, a])
    assert t.tolist() == [1.0, 1.0]
    np.testing.assert_array_equal(comm.concatenate([a])[0], a)
    for name in ('gather', 'sub_group', 'all_reduce_sparse_block_column'):
        with pytest.raises(NotImplementedError, match='Communicator.%s' % name):
            getattr(comm, name)()
    with pytest.raises(NotImplementedError, match='sending them to 0 of 1'):
        comm.aggregate([a], send_to_workers=[])
    with pytest.raises(TypeError, match='NumPy arrays or torch tensors'):
        comm.aggregate_in_place([[1.0]])


def test_finalize_ends_communication(monkeypatch):
    monkeypatch.setattr(launch, 'MEMBERSHIP', launch.Membership())
    D.Communicator.finalize()
    assert D.Communicator.num_workers() == 1 and launch.MEMBERSHIP.finalized


def test_only_worker_0_prints_progress_unless_it_goes_to_a_file(pretend_worker, tmp_path):
    console = C.logging.ProgressPrinter(1)
    to_file = C.logging.ProgressPrinter(1, log_to_file=str(tmp_path / 'log'), rank=1)
    other = C.logging.TensorBoardProgressWriter(1, log_dir=str(tmp_path), rank=1)
    writers = [console, to_file, other]
    assert training.writers_for_this_worker(writers, True) == writers
    pretend_worker(1, 2)
    assert training.writers_for_this_worker(writers, True) == [to_file, other]
    assert training.writers_for_this_worker(writers, False) == writers


def test_the_data_share_of_a_worker(pretend_worker):
    x, y, z, loss, _ = regression()
    data_parallel = D.data_parallel_distributed_learner(C.sgd(z.parameters, 0.1), distributed_after=10)
    assert training.data_share([data_parallel], 100) is None   # one worker: all the data
    pretend_worker(1, 2)
    assert training.data_share([C.sgd(z.parameters, 0.1)], 100) is None
    assert training.data_share([data_parallel], 9) is None      # still warming up on full minibatches
    assert training.data_share([data_parallel], 10) == training.DataShare(2, 1, 1)
    block = D.block_momentum_distributed_learner(C.sgd(z.parameters, 0.1), 100)
    assert training.data_share([block], 0) == training.DataShare(2, 1, 2)


def test_a_python_source_gets_its_partition_positionally():
    calls = []

    class Source(UserMinibatchSource):
        def stream_infos(self):
            return []

        def next_minibatch(self, num_samples, number_of_workers=1, worker_rank=0, device=None):
            calls.append((num_samples, number_of_workers, worker_rank))
            return {}

    assert read_minibatch(Source(), {}, 32, training.DataShare(4, 3, 1)) == {}
    assert calls == [(32, 4, 3)]


def test_training_session_with_a_distributed_learner_of_one_worker(tmp_path):
    x, y, z, loss, data = regression()
    X = np.concatenate([d[0] for d in data])
    Y = np.concatenate([d[1] for d in data])
    learner = D.data_parallel_distributed_learner(C.sgd(z.parameters, 0.05))
    trainer = C.Trainer(z, loss, [learner])
    config = C.CheckpointConfig(os.path.join(str(tmp_path), 'm'), frequency=8)
    C.training_session(trainer, (X, Y), 4, None, max_samples=24, checkpoint_config=config).train()
    assert trainer.total_number_of_samples_seen == 24 and os.path.exists(os.path.join(str(tmp_path), 'm.ckp'))


def test_an_empty_share_is_no_data_or_data_of_no_samples():
    class Data:
        def __init__(self, n):
            self.num_samples = n
    assert training.is_empty_share({}) and training.is_empty_share(None)
    assert training.is_empty_share({'x': Data(0), 'y': Data(0)}) and training.is_empty_share(({'x': Data(0)}, [True]))
    assert not training.is_empty_share({'x': Data(0), 'y': Data(2)})
    assert not training.is_empty_share({'x': np.zeros((0, 3))}) and not training.is_empty_share(np.ones((2, 3)))
