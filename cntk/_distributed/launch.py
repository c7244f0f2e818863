"""Joining the other workers of a distributed run.

The launcher tells each process its rank and the number of workers through environment
variables: ``torchrun`` sets ``RANK`` / ``WORLD_SIZE`` / ``LOCAL_RANK`` (and ``MASTER_ADDR`` /
``MASTER_PORT``), Open MPI's ``mpiexec`` sets ``OMPI_COMM_WORLD_*``, MPICH and Intel MPI set
``PMI_RANK`` / ``PMI_SIZE``. `join` reads them and creates torch.distributed's default process
group (gloo on the CPU, NCCL when the default device is a CUDA GPU). A process started alone
is a run of one worker and needs no process group.
"""
from __future__ import annotations

import datetime
import os
import socket
from typing import List, Mapping, NamedTuple, Optional

import torch
import torch.distributed as dist

from ..device import torch_device_of
from .errors import reporting_failures

#: Seconds a collective operation may wait for the other workers before it fails.
TIMEOUT_VARIABLE = 'CNTK_DISTRIBUTED_TIMEOUT'
_DEFAULT_TIMEOUT_S = 1800.0
_DEFAULT_ADDRESS, _DEFAULT_PORT = '127.0.0.1', '29500'


class LaunchEnvironment(NamedTuple):
    """What the launcher told this process."""

    rank: int
    world_size: int
    local_rank: int
    launcher: str


# (launcher, rank variable, size variable, local-rank variables)
_LAUNCHERS = (
    ('torchrun', 'RANK', 'WORLD_SIZE', ('LOCAL_RANK',)),
    ('Open MPI', 'OMPI_COMM_WORLD_RANK', 'OMPI_COMM_WORLD_SIZE', ('OMPI_COMM_WORLD_LOCAL_RANK',)),
    ('MPICH / Intel MPI', 'PMI_RANK', 'PMI_SIZE', ('MPI_LOCALRANKID', 'PMI_LOCAL_RANK')),
)


def launch_environment(environ: Mapping[str, str] = os.environ) -> Optional[LaunchEnvironment]:
    """The rank and worker count a launcher gave this process, or None when it was started alone."""
    for launcher, rank_key, size_key, local_keys in _LAUNCHERS:
        if rank_key in environ and size_key in environ:
            rank, size = int(environ[rank_key]), int(environ[size_key])
            if not 0 <= rank < size:
                raise ValueError('%s=%d and %s=%d do not describe a worker of a distributed run'
                                 % (rank_key, rank, size_key, size))
            local = next((int(environ[k]) for k in local_keys if k in environ), rank)
            return LaunchEnvironment(rank, size, local, launcher)
    return None


def timeout() -> datetime.timedelta:
    """How long a collective operation waits for the other workers (``CNTK_DISTRIBUTED_TIMEOUT`` seconds)."""
    return datetime.timedelta(seconds=float(os.environ.get(TIMEOUT_VARIABLE, _DEFAULT_TIMEOUT_S)))


def backend_for(device: torch.device) -> str:
    """The torch.distributed backend for workers computing on ``device``."""
    return 'nccl' if device.type == 'cuda' else 'gloo'


class Membership:
    """This process's place in the run: fixed when it joins, kept after `finalize`."""

    def __init__(self) -> None:
        self.joined = False
        self.finalized = False
        self.rank = 0
        self.world_size = 1
        self.hosts: List[str] = [socket.gethostname()]

    def join(self) -> "Membership":
        """Join the run once (create the process group when launched as one of several workers)."""
        if self.joined:
            return self
        env = launch_environment()
        if not dist.is_initialized() and env is not None and env.world_size > 1:
            _init_process_group(env)
        if dist.is_initialized():
            self.rank, self.world_size = dist.get_rank(), dist.get_world_size()
        if self.world_size > 1:
            names: List[Optional[str]] = [None] * self.world_size
            with reporting_failures('exchanging host names', self.rank, self.world_size):
                dist.all_gather_object(names, socket.gethostname())
            self.hosts = [str(n) for n in names]
        self.joined = True
        return self

    def finalize(self) -> None:
        """Leave the run: destroy the process group; no collective operation may follow."""
        if dist.is_initialized():
            dist.destroy_process_group()
        self.finalized = self.joined = True


MEMBERSHIP = Membership()


def _init_process_group(env: LaunchEnvironment) -> None:
    device = torch_device_of(None)
    backend = backend_for(device)
    address = os.environ.get('MASTER_ADDR', _DEFAULT_ADDRESS)
    port = os.environ.get('MASTER_PORT', _DEFAULT_PORT)
    if backend == 'nccl':
        torch.cuda.set_device(device)
    try:
        dist.init_process_group(backend, init_method='tcp://%s:%s' % (address, port), rank=env.rank,
                                world_size=env.world_size, timeout=timeout())
    except Exception as e:
        raise RuntimeError('cntk.train.distributed: worker %d of %d (started by %s) could not reach the other workers '
                           'at %s:%s with the %s backend: %s' % (env.rank, env.world_size, env.launcher, address, port,
                                                                  backend, e)) from e


def membership() -> Membership:
    """This process's membership of the run, joining it first if need be."""
    return MEMBERSHIP.join()
