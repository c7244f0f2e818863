"""CNTK's matrix view of a minibatch.

Ops that CNTK computes over a whole minibatch at once (ranking metrics, negative sampling, the
logistic loss, random draws shaped like an operand) see it as one matrix whose columns are the
samples. For sequences, CNTK packs them into parallel streams as wide as the longest one, first
fit in the order given (lengths 3, 1, 2 -> stream 0: the first; stream 1: the second then the
third), and numbers the columns time step by time step (column = step * streams + stream).
Columns no sequence occupies are gaps; they hold zeros, as in the minibatches CNTK builds from
NumPy data, and still count as columns.
"""
from __future__ import annotations

import math
from typing import List, Sequence, Tuple

import torch

from . import Call


def packed_placement(lengths: Sequence[int]) -> Tuple[int, int, List[Tuple[int, int]]]:
    """(streams, width, [(stream, first step)] per sequence) of CNTK's first-fit packing."""
    width = max(lengths, default=0)
    used: List[int] = []
    placement = []
    for n in lengths:
        stream = next((s for s, taken in enumerate(used) if taken + n <= width), len(used))
        if stream == len(used):
            used.append(0)
        placement.append((stream, used[stream]))
        used[stream] += n
    return len(used), width, placement


class Columns:
    """Maps a padded operand (batch[, time], *sample) to CNTK's columns (columns, *sample) and back."""

    def __init__(self, count: int, column_of: torch.Tensor, position_of: torch.Tensor, lead: Tuple[int, ...]) -> None:
        self.count = count
        self._column_of = column_of      # column index of every occupied position
        self._position_of = position_of  # flat (batch[, time]) index of the same positions
        self._lead = lead

    def gather(self, t: torch.Tensor) -> torch.Tensor:
        """(columns, *sample) with zeros in the gaps."""
        flat = t.reshape((-1,) + tuple(t.shape[len(self._lead):]))
        out = flat.new_zeros((self.count,) + tuple(flat.shape[1:]))
        return out.index_copy(0, self._column_of, flat.index_select(0, self._position_of))

    def scatter(self, cols: torch.Tensor) -> torch.Tensor:
        """Back to (batch[, time], *sample); padding positions are zero."""
        rest = tuple(cols.shape[1:])
        flat = cols.new_zeros((math.prod(self._lead),) + rest)
        flat = flat.index_copy(0, self._position_of, cols.index_select(0, self._column_of))
        return flat.reshape(self._lead + rest)


def columns_of(call: Call, k: int = 0) -> Columns:
    """The column layout of operand ``k`` of a call (batch-only operands: one column per sample)."""
    op = call.args[k]
    device = op.t.device
    if op.dyn == 1:
        n = int(op.t.shape[0])
        idx = torch.arange(n, device=device)
        return Columns(n, idx, idx, (n,))
    if op.dyn != 2:
        raise ValueError("%s: operand %d has no batch axis; this op works on minibatches of samples"
                         % (call.fn.op_name, k))
    batch, steps = int(op.t.shape[0]), int(op.t.shape[1])
    lengths = [int(n) for n in call.ctx.lengths_of(call.node.inputs[k]).tolist()]
    streams, width, placement = packed_placement(lengths)
    columns, positions = [], []
    for b, (n, (stream, start)) in enumerate(zip(lengths, placement)):
        columns.extend((start + i) * streams + stream for i in range(n))
        positions.extend(b * steps + i for i in range(n))
    return Columns(streams * width, torch.tensor(columns, dtype=torch.long, device=device),
                   torch.tensor(positions, dtype=torch.long, device=device), (batch, steps))
