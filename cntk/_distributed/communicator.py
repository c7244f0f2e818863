"""`Communicator` and `WorkerDescriptor`: the workers of a distributed run and the collective
operations between them, over torch.distributed."""
from __future__ import annotations

from typing import Any, List, Optional, Sequence

import numpy as np
import torch

from .collectives import all_gather, all_reduce_sum, barrier
from .launch import membership


class WorkerDescriptor:
    """One worker of the run: its global rank and the name of the host it runs on."""

    def __init__(self, global_rank: int, host_id: str) -> None:
        self._rank = int(global_rank)
        self._host = str(host_id)

    @property
    def global_rank(self) -> int:
        """The worker's rank (0 to number of workers - 1)."""
        return self._rank

    @property
    def host_id(self) -> str:
        """The host the worker runs on."""
        return self._host

    def is_main(self) -> bool:
        """True for the worker of rank 0."""
        return self._rank == 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WorkerDescriptor) and (self._rank, self._host) == (other._rank, other._host)

    def __hash__(self) -> int:
        return hash((self._rank, self._host))

    def __repr__(self) -> str:
        return 'WorkerDescriptor(global_rank=%d, host_id=%r)' % (self._rank, self._host)


def _as_array(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if hasattr(value, 'asarray') and not isinstance(value, np.ndarray):
        return np.asarray(value.asarray())
    return np.asarray(value)


class Communicator:
    """The workers of this run and the collective operations between them.

    Every worker must make the same calls in the same order; a call fails with a
    `WorkerLostError` when another worker is gone or silent for ``CNTK_DISTRIBUTED_TIMEOUT`` seconds.
    """

    def workers(self) -> List[WorkerDescriptor]:
        """All workers, in rank order."""
        m = membership()
        return [WorkerDescriptor(r, h) for r, h in enumerate(m.hosts)]

    def current_worker(self) -> WorkerDescriptor:
        """This process's worker."""
        m = membership()
        return WorkerDescriptor(m.rank, m.hosts[m.rank])

    def is_main(self) -> bool:
        """True on the worker of rank 0."""
        return membership().rank == 0

    def barrier(self) -> None:
        """Wait until every worker reaches this call."""
        barrier('Communicator.barrier')

    def aggregate(self, values: Sequence[Any], output_values: Optional[Sequence[np.ndarray]] = None,
                  send_to_workers: Optional[Sequence[WorkerDescriptor]] = None) -> List[np.ndarray]:
        """The element-wise sums over all workers of ``values`` (arrays, tensors or Values); also
        written into ``output_values`` when given."""
        self._check_all(send_to_workers, 'aggregate')
        sums = [all_reduce_sum(torch.as_tensor(np.ascontiguousarray(_as_array(v))), 'Communicator.aggregate').numpy()
                for v in values]
        if output_values is not None:
            for out, s in zip(output_values, sums):
                np.copyto(out, s.reshape(out.shape))
        return sums

    def aggregate_in_place(self, values: Sequence[Any], send_to_workers: Optional[Sequence[WorkerDescriptor]] = None
                           ) -> None:
        """Replace each array or tensor in ``values`` by its sum over all workers."""
        self._check_all(send_to_workers, 'aggregate_in_place')
        for v in values:
            if isinstance(v, torch.Tensor):
                with torch.no_grad():
                    v.copy_(all_reduce_sum(v.detach().clone(), 'Communicator.aggregate_in_place'))
            elif isinstance(v, np.ndarray):
                np.copyto(v, self.aggregate([v])[0])
            else:
                raise TypeError('aggregate_in_place changes NumPy arrays or torch tensors, got %s' % type(v).__name__)

    def concatenate(self, values: Sequence[Any], send_to_workers: Optional[Sequence[WorkerDescriptor]] = None
                    ) -> List[np.ndarray]:
        """Each of ``values`` from every worker, joined along the first axis in rank order."""
        self._check_all(send_to_workers, 'concatenate')
        out = []
        for v in values:
            a = np.ascontiguousarray(_as_array(v))
            rows = all_gather(torch.as_tensor(a), 'Communicator.concatenate').numpy()
            out.append(rows.reshape((-1,) + a.shape[1:]) if a.ndim else rows)
        return out

    def gather(self, *args: Any, **kwargs: Any) -> None:
        """Not supported: CNTK gathered dictionaries onto chosen workers."""
        raise NotImplementedError('cntk.train.distributed.Communicator.gather is not supported; use concatenate '
                                  '(arrays from every worker) instead')

    def sub_group(self, *args: Any, **kwargs: Any) -> None:
        """Not supported: communicators over a subset of the workers."""
        raise NotImplementedError('cntk.train.distributed.Communicator.sub_group (a communicator over some of the '
                                  'workers) is not supported')

    def all_reduce_sparse_block_column(self, *args: Any, **kwargs: Any) -> None:
        """Not supported: CNTK's sparse block-column reduction."""
        raise NotImplementedError('cntk.train.distributed.Communicator.all_reduce_sparse_block_column is not '
                                  'supported')

    def _check_all(self, send_to_workers: Optional[Sequence[WorkerDescriptor]], what: str) -> None:
        if send_to_workers is not None and len(list(send_to_workers)) != membership().world_size:
            raise NotImplementedError('Communicator.%s: results go to every worker; sending them to %d of %d workers '
                                      'is not supported' % (what, len(list(send_to_workers)), membership().world_size))

    @staticmethod
    def finalize() -> None:
        """End the run's communication (call it once, at the end, on every worker)."""
        membership().finalize()

    @staticmethod
    def num_workers() -> int:
        """How many workers the run has (1 when the process was started alone)."""
        return membership().world_size

    @staticmethod
    def rank() -> int:
        """This worker's rank (0 when started alone)."""
        return membership().rank

    def __repr__(self) -> str:
        return 'Communicator(worker %d of %d)' % (self.rank(), self.num_workers())


def mpi_communicator() -> Communicator:
    """The communicator of all workers (the name recalls CNTK's MPI; torch.distributed does the work)."""
    return Communicator()
