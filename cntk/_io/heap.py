"""Keep the C heap from handing memory back to the system after every short-lived array.

The vectorised CTF parser creates many temporary arrays of 0.1 to 2 MB per slice of text. With
glibc's initial settings (arrays above 128 KB get their own mapping; free memory at the top of the
heap beyond 128 KB is returned at once), nearly every such array is fresh memory whose pages are
faulted in again and again -- in measurements that more than doubled the parse time.

glibc adapts on its own: when a mapped block of at most 32 MB is freed, it raises its mapping
threshold to that size and its trim threshold to twice that ("dynamic mmap threshold", see
mallopt(3)). `settle_heap` triggers this once by creating and freeing one such block, so the
parser's temporaries are then reused from the heap. Explicit settings (``MALLOC_MMAP_THRESHOLD_``
and friends, or mallopt) switch the adaptation off and are left alone; other allocators simply
see one allocation.
"""
from __future__ import annotations

import numpy as np

_BLOCK_BYTES = 32 * 2 ** 20 - 2 ** 16       # just under glibc's 32 MB ceiling for the adaptation
_settled = False


def settle_heap() -> None:
    """Let glibc raise its mmap and trim thresholds (once per process)."""
    global _settled
    if not _settled:
        block = np.empty(_BLOCK_BYTES, dtype=np.uint8)
        del block
        _settled = True
