"""Dropout, cast and assign."""
from __future__ import annotations

import torch

from ..._graph.variable import torch_dtype
from . import Call, kernel


@kernel("Dropout")
def _dropout(call: Call):
    x = call.args[0].t
    rate = call.attrs.get("rate", 0.0)
    if not call.ctx.training or rate <= 0.0:
        return [x]
    keep = torch.rand(x.shape, generator=call.ctx.generator_for(call.fn), dtype=torch.float64).to(x.device) >= rate
    return [torch.where(keep, x / (1.0 - rate), torch.zeros((), dtype=x.dtype, device=x.device))]


@kernel("Cast")
def _cast(call: Call):
    return [call.args[0].t.to(torch_dtype(call.attrs["dtype"]))]


@kernel("Assign")
def _assign(call: Call):
    ref, value = call.args
    target = call.node.inputs[0]
    with torch.no_grad():
        target._tensor.copy_(value.t.reshape(target._tensor.shape))
    return [value.t]
