"""The error a worker raises when the others are gone, instead of waiting for ever."""
from __future__ import annotations

import contextlib
from typing import Iterator


class WorkerLostError(RuntimeError):
    """A collective operation failed: another worker stopped, crashed or did not answer within the
    timeout (``CNTK_DISTRIBUTED_TIMEOUT`` seconds)."""


@contextlib.contextmanager
def reporting_failures(what: str, rank: int, world_size: int) -> Iterator[None]:
    """Turn torch.distributed's failures inside the block into a `WorkerLostError` that says what
    this worker was doing."""
    try:
        yield
    except WorkerLostError:
        raise
    except RuntimeError as e:   # what gloo and NCCL raise (torch.distributed.DistError derives from it too)
        cause = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise WorkerLostError('cntk.train.distributed: %s failed on worker %d of %d: %s. Another worker has '
                              'probably stopped, crashed or stalled for longer than CNTK_DISTRIBUTED_TIMEOUT; its '
                              'output tells why' % (what, rank, world_size, cause)) from e
