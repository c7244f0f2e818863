"""Reading the launcher's environment, choosing the backend, reporting lost workers."""
import datetime

import pytest
import torch

from cntk._distributed.errors import WorkerLostError, reporting_failures
from cntk._distributed.launch import LaunchEnvironment, backend_for, launch_environment, timeout


def test_a_process_started_alone_is_not_distributed():
    assert launch_environment({}) is None


@pytest.mark.parametrize('environ, expected', [
    ({'RANK': '1', 'WORLD_SIZE': '4', 'LOCAL_RANK': '1'}, LaunchEnvironment(1, 4, 1, 'torchrun')),
    ({'OMPI_COMM_WORLD_RANK': '3', 'OMPI_COMM_WORLD_SIZE': '4', 'OMPI_COMM_WORLD_LOCAL_RANK': '1'},
     LaunchEnvironment(3, 4, 1, 'Open MPI')),
    ({'PMI_RANK': '2', 'PMI_SIZE': '3', 'MPI_LOCALRANKID': '0'}, LaunchEnvironment(2, 3, 0, 'MPICH / Intel MPI')),
    ({'PMI_RANK': '2', 'PMI_SIZE': '3'}, LaunchEnvironment(2, 3, 2, 'MPICH / Intel MPI')),
])
def test_launchers_are_recognised(environ, expected):
    assert launch_environment(environ) == expected


def test_a_rank_outside_the_run_is_refused():
    with pytest.raises(ValueError, match='RANK=2 and WORLD_SIZE=2'):
        launch_environment({'RANK': '2', 'WORLD_SIZE': '2'})


def test_backend_and_timeout(monkeypatch):
    assert backend_for(torch.device('cpu')) == 'gloo' and backend_for(torch.device('cuda', 1)) == 'nccl'
    monkeypatch.setenv('CNTK_DISTRIBUTED_TIMEOUT', '12.5')
    assert timeout() == datetime.timedelta(seconds=12.5)


def test_failures_of_collectives_name_the_operation_and_the_worker():
    with pytest.raises(WorkerLostError, match=r'summing the gradients failed on worker 1 of 3: Connection closed by '
                                              r'peer\. Another worker has probably stopped'):
        with reporting_failures('summing the gradients', 1, 3):
            raise RuntimeError('Connection closed by peer\nmore detail')
    with pytest.raises(ValueError):   # not a communication failure: passed on as it is
        with reporting_failures('summing the gradients', 1, 3):
            raise ValueError('bad')


@pytest.mark.parametrize('device, backend', [(torch.device('cpu'), 'gloo'), (torch.device('cuda', 1), 'nccl')])
def test_the_process_group_uses_the_default_device_and_the_launch_address(monkeypatch, device, backend):
    from cntk._distributed import launch
    calls = []
    monkeypatch.setattr(launch, 'torch_device_of', lambda d=None: device)
    monkeypatch.setattr(launch.torch.cuda, 'set_device', lambda d: calls.append(('set_device', d)))
    monkeypatch.setattr(launch.dist, 'init_process_group', lambda *a, **k: calls.append((a, k)))
    monkeypatch.setenv('MASTER_ADDR', 'host0')
    monkeypatch.setenv('MASTER_PORT', '1234')
    launch._init_process_group(LaunchEnvironment(1, 2, 1, 'torchrun'))
    assert calls[-1][0] == (backend,) and calls[-1][1]['init_method'] == 'tcp://host0:1234'
    assert calls[-1][1]['rank'] == 1 and calls[-1][1]['world_size'] == 2
    assert (('set_device', device) in calls) == (backend == 'nccl')


def test_a_worker_that_cannot_reach_the_others_says_where_it_looked(monkeypatch):
    from cntk._distributed import launch

    def refuse(*args, **kwargs):
        raise TimeoutError('no answer')
    monkeypatch.setattr(launch.dist, 'init_process_group', refuse)
    monkeypatch.delenv('MASTER_ADDR', raising=False)
    monkeypatch.delenv('MASTER_PORT', raising=False)
    with pytest.raises(RuntimeError, match=r'worker 1 of 2 \(started by Open MPI\) could not reach the other workers '
                                           r'at 127\.0\.0\.1:29500 with the gloo backend: no answer'):
        launch._init_process_group(LaunchEnvironment(1, 2, 0, 'Open MPI'))
