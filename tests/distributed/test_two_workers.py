"""Distributed training with two real worker processes (gloo over loopback): data parallel equals
one process on the same global minibatches, the reader's shares are disjoint and cover the data,
only worker 0 prints and writes checkpoints, a checkpoint resumes a two-worker run, a killed
worker makes the other fail promptly, block momentum and 1-bit gradients converge, a worker whose
share of a minibatch is empty keeps step."""
import contextlib
import io
import json
import re

import numpy as np
import pytest

import cntk as C
import launcher
import workload as W

@pytest.fixture(scope='module')
def first(tmp_path_factory):
    """The first two-worker run (see worker.py)."""
    directory = tmp_path_factory.mktemp('two_workers')
    W.write_ctf(str(directory / 'tagger.ctf'))
    workers = launcher.launch('first', directory)
    for w in workers:
        assert w.returncode == 0, w.stderr[-3000:]
    return directory, workers


@pytest.fixture(scope='module')
def second(first):
    """The second run, started with Open MPI's variables: resumes from the first run's checkpoint,
    then worker 1 is killed mid-run."""
    directory, _ = first
    return directory, launcher.launch('second', directory, launcher='mpiexec')


@pytest.fixture(scope='module')
def single(tmp_path_factory):
    """The same training in this process over the same global minibatches: (parameters, printed text)."""
    directory = tmp_path_factory.mktemp('one_process')
    W.write_ctf(str(directory / 'tagger.ctf'))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        z, _ = W.train_tagger(str(directory), lambda learner: learner, 2 * W.SWEEP,
                              printer=C.logging.ProgressPrinter(W.PRINT_FREQ))
    return W.flat_parameters(z), printed.getvalue()


def load(directory, name, rank):
    with open(str(directory / ('%s_rank%d.json' % (name, rank)))) as f:
        return json.load(f)


def test_data_parallel_matches_one_process_on_the_same_global_minibatches(first, single):
    directory, _ = first
    single = single[0]
    ranks = [np.load(str(directory / ('whole_rank%d.npy' % r))) for r in range(2)]
    np.testing.assert_array_equal(ranks[0], ranks[1])
    np.testing.assert_allclose(ranks[0], single, rtol=0, atol=1e-6)
    assert np.abs(single - W.flat_parameters(W.tagger()[2])).max() > 1e-2   # it did train


def test_the_workers_read_disjoint_shares_that_cover_the_sweep(first):
    directory, _ = first
    shares = [load(directory, 'shares', r) for r in range(2)]
    assert [s['share'] for s in shares] == [[2, 0, 1], [2, 1, 1]]
    ids = [set(s['ids']) for s in shares]
    assert len(shares[0]['ids']) == len(ids[0]) and not ids[0] & ids[1]
    assert ids[0] | ids[1] == set(range(W.SEQUENCES))
    assert any(s['sweep_ends'][-1] for s in shares)


def _without_timing(text):
    return re.sub(r' [\d.]+s \([\d.]+ samples/s\)', '', text)


def _numbers(text):
    return [float(v) for v in re.findall(r'\d+\.\d+', text)]


def test_only_worker_0_prints_and_its_progress_covers_all_workers(first, single):
    directory, workers = first
    assert workers[1].stdout == ''
    expected = _without_timing(single[1])
    printed = _without_timing(workers[0].stdout)
    assert 'Finished Epoch[2]: loss = ' in printed and '* %d' % W.SWEEP in printed
    assert re.sub(r'\d+\.\d+', '#', printed) == re.sub(r'\d+\.\d+', '#', expected)
    np.testing.assert_allclose(_numbers(printed), _numbers(expected), rtol=1e-5, atol=1e-5)


def test_only_worker_0_writes_checkpoints(first):
    directory, _ = first
    assert [load(directory, 'checkpoint_writes', r) for r in range(2)] == [2, 0]
    assert (directory / 'part.model').exists() and (directory / 'part.model.ckp').exists()


def test_a_checkpoint_of_worker_0_resumes_a_two_worker_run_under_mpiexec_variables(second):
    directory, workers = second
    whole = np.load(str(directory / 'whole_rank0.npy'))
    for r in range(2):
        np.testing.assert_array_equal(np.load(str(directory / ('resumed_rank%d.npy' % r))), whole)


def test_a_killed_worker_makes_the_other_fail_with_a_clear_error_not_hang(second):
    _, workers = second
    survivor, killed = workers
    assert killed.returncode == -9
    assert survivor.returncode not in (0, None), 'the surviving worker did not stop'
    assert 'WorkerLostError' in survivor.stderr and 'failed on worker 0 of 2' in survivor.stderr
    assert survivor.ended - killed.ended < 30


@pytest.mark.parametrize('variant', ['block_momentum', 'one_bit'])
def test_block_momentum_and_one_bit_gradients_converge_to_one_model(first, variant):
    directory, _ = first
    runs = [load(directory, 'seed_like', r)[variant] for r in range(2)]
    assert runs[0]['parameters'] == runs[1]['parameters']
    assert runs[0]['after'] < 0.4 * runs[0]['before']


def test_a_worker_with_an_empty_share_takes_part_until_all_data_end(first):
    directory, _ = first
    runs = [load(directory, 'uneven', r) for r in range(2)]
    parameters, samples = W.train_uneven(lambda learner: learner)
    assert runs[0] == runs[1] and runs[0]['samples'] == samples == 18
    np.testing.assert_allclose(runs[0]['parameters'], parameters, rtol=0, atol=1e-6)
