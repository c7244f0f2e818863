"""Fused recurrent engines: loops over stock cells (`LSTM`, `GRU`, `RNNStep`) run as one kernel call
instead of the generic per-step loop.

`match.fuse_loops` recognises the loops when a plan is compiled and replaces them by
`step.FusedLoop` steps; the engines are torch's own RNN kernels (`torch_rnn`) where CNTK's maths
is torch's, and hand-written scans (`scan_lstm`, `scan_gru`, `scan_rnn`) elsewhere. Fusion is on
by default; `generic_loops()` turns it off for the plans compiled inside it (tests compare both).
"""
from __future__ import annotations

import contextlib
from typing import Iterator

_enabled = [True]


def enabled() -> bool:
    """Whether plans compiled now fuse stock-cell loops."""
    return _enabled[0]


@contextlib.contextmanager
def generic_loops() -> Iterator[None]:
    """Compile and run plans with the generic step loop only, inside the ``with`` block."""
    before = _enabled[0]
    _enabled[0] = False
    try:
        yield
    finally:
        _enabled[0] = before
