"""Kernel of the BatchNormalization primitive.

Training (``ctx.training``): normalise with the mean and biased variance over every valid sample
of the minibatch (batch x valid time steps; padding is excluded) and update the running
statistics held in the op's constant inputs: the first minibatch (count 0) sets them to its mean
and unbiased variance, later ones blend with factor ``1 - exp(-N / normalization_time_constant)``
(0 for an infinite constant, ``N / (count + N)`` for a negative one). Inference normalises with the
running statistics. Statistics and parameters are stored per channel (spatial) or per element, in
any shape of the right size (CNTK's vectors, or the sample's shape).
"""
from __future__ import annotations

import math

import torch

from . import Call, kernel


def _valid_rows(call: Call, x: torch.Tensor, dyn: int) -> torch.Tensor:
    """Samples as rows (N, *static) with padding steps removed."""
    if dyn == 2:
        mask = call.ctx.step_mask(call.node.inputs[0], x)
        return x[mask]
    if dyn == 1:
        return x
    return x.unsqueeze(0)


def _blend_factor(count: float, n: int, time_constant: float) -> float:
    """Weight of a minibatch of ``n`` samples in the running statistics after ``count`` samples."""
    if count <= 0 or time_constant == 0:
        return 1.0
    if time_constant < 0:
        return n / (count + n)
    if math.isinf(time_constant):
        return 0.0
    return 1.0 - math.exp(-n / time_constant)


def _untrained(count: float, mean: torch.Tensor, var: torch.Tensor) -> bool:
    """Statistics never set (count 0, all zero): normalised as mean 0, variance 1 rather than
    dividing by sqrt(epsilon) as CNTK 2.7 does."""
    return count <= 0 and not bool(mean.any()) and not bool(var.any())


@kernel("BatchNormalization")
def _batch_norm(call: Call):
    xo, scale, bias, mean_v, var_v, count_v = call.args
    x, dyn = xo.t, xo.dyn
    a = call.attrs
    eps = float(a.get("epsilon", 1e-5))
    spatial = bool(a.get("spatial", False))
    static = tuple(x.shape[dyn:])
    # the layout statistics broadcast in: (C, 1, ..., 1) per channel, the sample shape per element
    stat_shape = (static[0],) + (1,) * (len(static) - 1) if spatial else static
    lead = (1,) * dyn

    def view(t: torch.Tensor) -> torch.Tensor:
        return t.to(x.dtype).reshape(lead + stat_shape)

    if call.ctx.training:
        mean_var, var_var, count_var = call.node.inputs[3], call.node.inputs[4], call.node.inputs[5]
        rows = _valid_rows(call, x, dyn)
        if spatial:
            flat = rows.reshape(rows.shape[0], static[0], -1).transpose(1, 2).reshape(-1, static[0])
        else:
            flat = rows.reshape(rows.shape[0], -1)
        n = flat.shape[0]  # values per statistic (samples x positions when spatial)
        samples = rows.shape[0]  # what the running count and the blend factor count
        mu = flat.mean(dim=0)
        var = ((flat - mu) ** 2).mean(dim=0)
        y = (x - view(mu)) / torch.sqrt(view(var) + eps)
        with torch.no_grad():
            unbiased = var * (n / (n - 1.0)) if n > 1 else var
            count = float(count_var._tensor.reshape(-1)[0].item())
            f = _blend_factor(count, samples, float(a.get("normalization_time_constant", 5000)))
            for holder, batch in ((mean_var, mu), (var_var, unbiased)):
                old = holder._tensor
                holder._tensor.copy_(old + f * (batch.detach().reshape(old.shape).to(old.dtype) - old))
            count_var._tensor.add_(float(samples))
    else:
        count = float(count_v.t.reshape(-1)[0].item())
        mu_s, var_s = mean_v.t, var_v.t
        if _untrained(count, mu_s, var_s):
            mu_s, var_s = torch.zeros_like(mu_s), torch.ones_like(var_s)
        y = (x - view(mu_s)) / torch.sqrt(view(var_s) + eps)
    return [y * view(scale.t) + view(bias.t)]
