"""Dropout, cast, assign and random draws."""
from __future__ import annotations

import torch

from ..._graph.random_state import random_state
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


@kernel("RandomDistribution")
def _random(call: Call):
    a = call.attrs
    g = call.ctx.generator_for(call.fn)
    if call.args:
        like = call.args[0].t
        shape, dtype = like.shape, like.dtype
    else:
        shape, dtype = tuple(a["shape"]), torch_dtype(a["dtype"])
    kind = a["distribution"]
    if kind == "uniform":
        out = torch.rand(shape, generator=g, dtype=torch.float64) * (a["high"] - a["low"]) + a["low"]
    elif kind == "normal":
        out = torch.randn(shape, generator=g, dtype=torch.float64) * a["scale"] + a["mean"]
    elif kind == "bernoulli":
        out = (torch.rand(shape, generator=g, dtype=torch.float64) < a["mean"]).double()
    elif kind == "gumbel":
        u = torch.rand(shape, generator=g, dtype=torch.float64).clamp(1e-12, 1 - 1e-12)
        out = a["loc"] - a["scale"] * torch.log(-torch.log(u))
    else:
        raise NotImplementedError("random distribution '%s'" % kind)
    return [out.to(dtype)]
