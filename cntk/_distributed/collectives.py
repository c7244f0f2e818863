"""The collective operations of distributed training, on the process group `launch` created.

Every worker must make the same calls in the same order. With one worker they return their
input. A failure (a worker gone, a timeout) raises `WorkerLostError` naming the operation.
"""
from __future__ import annotations

from typing import Any, ContextManager, List, Sequence

import torch
import torch.distributed as dist

from .errors import reporting_failures
from .launch import membership


def _guarded(what: str) -> ContextManager[None]:
    m = membership()
    if m.finalized:
        raise RuntimeError('cntk.train.distributed: %s after Communicator.finalize(); no communication may follow it'
                           % what)
    return reporting_failures(what, m.rank, m.world_size)


def _single() -> bool:
    return membership().world_size == 1


def _on_wire(t: torch.Tensor) -> torch.Tensor:
    """``t`` on the device the backend communicates from (NCCL: the current GPU; gloo: the CPU)."""
    if dist.get_backend() == 'nccl':
        wire = torch.device('cuda', torch.cuda.current_device())
    else:
        wire = torch.device('cpu')
    return t.contiguous() if t.device == wire else t.to(wire)


def all_reduce_sum(t: torch.Tensor, what: str) -> torch.Tensor:
    """The element-wise sum of ``t`` over all workers (on ``t``'s device)."""
    if _single():
        return t
    buf = _on_wire(t)
    with _guarded(what):
        dist.all_reduce(buf, op=dist.ReduceOp.SUM)
    return buf.to(t.device)


def all_gather(t: torch.Tensor, what: str) -> torch.Tensor:
    """Every worker's ``t`` stacked in rank order: shape ``[workers, *t.shape]`` (on ``t``'s device)."""
    if _single():
        return t.unsqueeze(0)
    buf = _on_wire(t)
    out = [torch.empty_like(buf) for _ in range(membership().world_size)]
    with _guarded(what):
        dist.all_gather(out, buf)
    return torch.stack(out).to(t.device)


def broadcast_(tensors: Sequence[torch.Tensor], what: str, source: int = 0) -> None:
    """Overwrite ``tensors`` on every worker with worker ``source``'s values."""
    if _single() or not tensors:
        return
    flat = _on_wire(torch.cat([t.detach().reshape(-1) for t in tensors]))
    with _guarded(what):
        dist.broadcast(flat, src=source)
    with torch.no_grad():
        for t, piece in zip(tensors, torch.split(flat, [t.numel() for t in tensors])):
            t.copy_(piece.reshape(t.shape))


def all_gather_object(obj: Any, what: str) -> List[Any]:
    """Every worker's ``obj`` (picklable) in rank order."""
    if _single():
        return [obj]
    out: List[Any] = [None] * membership().world_size
    with _guarded(what):
        dist.all_gather_object(out, obj)
    return out


def barrier(what: str) -> None:
    """Wait until every worker has reached this point."""
    if _single():
        return
    with _guarded(what):
        dist.barrier()
