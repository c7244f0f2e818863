"""Torch kernels for CNTK's primitive ops, registered by op name.

A kernel receives a `Call`: the node (attributes, operand variables), the operand tensors
with the number of leading dynamic dimensions each has (0 static, 1 batch, 2 batch+time),
the number the output must have, and the run context (sequence lengths, training flag).
"""
from __future__ import annotations

from typing import Callable, Dict, List, NamedTuple

import torch

KERNELS: Dict[str, Callable] = {}


class Operand(NamedTuple):
    t: torch.Tensor
    dyn: int

    @property
    def static_rank(self) -> int:
        return self.t.dim() - self.dyn


class Call:
    """One invocation of a kernel."""

    __slots__ = ("node", "args", "out_dyn", "ctx")

    def __init__(self, node, args: List[Operand], out_dyn: List[int], ctx) -> None:
        self.node = node
        self.args = args
        self.out_dyn = out_dyn
        self.ctx = ctx

    @property
    def attrs(self) -> dict:
        return self.node.fn._attributes

    @property
    def fn(self):
        return self.node.fn


def kernel(*names: str):
    """Register a kernel under one or more op names."""
    def register(fn: Callable) -> Callable:
        for n in names:
            KERNELS[n] = fn
        return fn
    return register


def align(op: Operand, out_dyn: int, rank: int) -> torch.Tensor:
    """View an operand with ``out_dyn`` leading dynamic dims and ``rank`` static dims, for broadcasting:
    static operands get leading 1s, batch-only operands get a time dim of 1, and static shapes
    are right-aligned (numpy's rule)."""
    t, dyn = op.t, op.dyn
    static = tuple(t.shape[dyn:])
    if dyn == out_dyn:
        lead = tuple(t.shape[:dyn])
    elif dyn == 0:
        lead = (1,) * out_dyn
    elif dyn == 1 and out_dyn == 2:
        lead = (t.shape[0], 1)
    else:
        raise RuntimeError("cannot align an operand with %d dynamic axes to %d" % (dyn, out_dyn))
    pad = rank - len(static)
    if pad < 0:
        raise RuntimeError("operand of static rank %d does not fit rank %d" % (len(static), rank))
    shape = lead + (1,) * pad + static
    return t if t.shape == shape else t.reshape(shape)  # no view op (nor autograd node) when already aligned


def aligned(call: Call) -> List[torch.Tensor]:
    """All operands of an element-wise call aligned to the output layout."""
    rank = max(a.static_rank for a in call.args)
    return [align(a, call.out_dyn[0], rank) for a in call.args]


def static_dim(call: Call, axis: int, k: int = 0) -> int:
    """Tensor dim of static axis ``axis`` (may be negative) of operand ``k``."""
    a = call.args[k]
    rank = a.static_rank
    ax = axis + rank if axis < 0 else axis
    return a.dyn + ax


from . import elementwise, linear, losses, reduction, shape, sequence, misc  # noqa: E402,F401  (registration)
from . import random  # noqa: E402,F401  (registration)
from . import user_function  # noqa: E402,F401  (registration)
