"""Dropout, cast, eye_like and assign."""
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
    # uniform draws on the CPU (the same masks on every device) turned in place into the factor
    # each element is multiplied by: 1/(1 - rate) where kept, 0 where dropped
    factor = torch.rand(x.shape, generator=call.ctx.generator_for(call.fn))
    factor = factor.ge_(rate).mul_(1.0 / (1.0 - rate)).to(device=x.device, dtype=x.dtype)
    return [x * factor]


@kernel("EyeLikeOp")
def _eye_like(call: Call):
    x = call.args[0].t  # a matrix: (rows, columns), the batch axis being the rows of a batch of vectors
    return [torch.eye(x.shape[0], x.shape[1], dtype=x.dtype, device=x.device)]


@kernel("Cast")
def _cast(call: Call):
    return [call.args[0].t.to(torch_dtype(call.attrs["dtype"]))]


@kernel("Assign")
def _assign(call: Call):
    value = call.args[1].t
    # the write waits until the pass is over (see RunContext.commit_assignments)
    call.ctx.assignments.append((call.node.inputs[0], value.detach().clone()))
    return [value]
