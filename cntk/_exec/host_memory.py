"""Keeping freed host memory for reuse during training.

A training step allocates and frees the same large buffers every minibatch (gates, workspaces,
gradients). glibc's allocator hands blocks above its mmap threshold straight back to the kernel
when they are freed, and trims the top of its heap, so the next minibatch gets fresh pages, and the
kernel faults in and zeroes every one of them. On W5 (bench/) that is 17,000 page faults and 40 ms
of system time per 417 ms step; on W2, 1,100 faults and 30% of the step.

CNTK kept its buffers in its own memory pools. Here, the first training pass raises glibc's mmap
and trim thresholds (``mallopt``), so freed blocks stay in the process and are reused: peak memory
is unchanged, but memory freed after a peak is not handed back to the system. Set the environment
variable ``CNTK_TORCH_KEEP_HOST_MEMORY=0`` to leave the allocator as it is. Other platforms and C
libraries are left alone.
"""
from __future__ import annotations

import ctypes
import os
import platform
import sys

ENV_VARIABLE = "CNTK_TORCH_KEEP_HOST_MEMORY"

# mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# Blocks up to 1 GiB come from the heap; up to 2 GiB of free memory may stay at the top of it.
_MMAP_THRESHOLD = 1 << 30
_TRIM_THRESHOLD = (1 << 31) - 1

_state = {"done": False, "kept": False}


def _glibc() -> ctypes.CDLL:
    return ctypes.CDLL("libc.so.6")


def keep_freed_memory() -> bool:
    """Make glibc keep freed blocks for reuse (once per process; see the module docstring).
    Returns whether the allocator now keeps them."""
    if _state["done"]:
        return _state["kept"]
    _state["done"] = True
    if os.environ.get(ENV_VARIABLE, "1") == "0" or not sys.platform.startswith("linux") \
            or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = _glibc()
        _state["kept"] = bool(libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and \
            bool(libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))
    except (OSError, AttributeError):  # no usable C library: nothing to tune
        _state["kept"] = False
    return _state["kept"]


def keeps_freed_memory() -> bool:
    """Whether `keep_freed_memory` has tuned the allocator in this process."""
    return _state["kept"]
