"""Kernel of the BatchNormalization primitive.

Training (``ctx.training``): normalise with the mean and biased variance over every valid sample
of the minibatch (batch x valid time steps; padding is excluded) and update the running
statistics held in the op's constant inputs: the first minibatch sets them to its mean and
unbiased variance, later ones blend with factor ``1 - exp(-N / normalization_time_constant)``.
Inference normalises with the running statistics (mean 0, variance 1 before any training).
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


@kernel("BatchNormalization")
def _batch_norm(call: Call):
    xo, scale, bias, mean_v, var_v, count_v = call.args
    x, dyn = xo.t, xo.dyn
    a = call.attrs
    eps = float(a.get("epsilon", 1e-5))
    spatial = bool(a.get("spatial", False))
    static = tuple(x.shape[dyn:])
    stat_shape = tuple(scale.t.shape)
    lead = (1,) * dyn
    mean_var, var_var, count_var = call.node.inputs[3], call.node.inputs[4], call.node.inputs[5]
    if call.ctx.training:
        rows = _valid_rows(call, x, dyn)
        if spatial:
            flat = rows.reshape(rows.shape[0], static[0], -1).transpose(1, 2).reshape(-1, static[0])
        else:
            flat = rows.reshape(rows.shape[0], -1)
        n = flat.shape[0]
        mu = flat.mean(dim=0)
        var = ((flat - mu) ** 2).mean(dim=0)
        mu_s, var_s = mu.reshape(stat_shape), var.reshape(stat_shape)
        y = (x - mu_s.reshape(lead + stat_shape)) / torch.sqrt(var_s.reshape(lead + stat_shape) + eps)
        with torch.no_grad():
            unbiased = var * (n / (n - 1.0)) if n > 1 else var
            count = float(count_var._tensor.reshape(-1)[0].item())
            tc = float(a.get("normalization_time_constant", 5000))
            if count <= 0 or tc == 0:
                f = 1.0
            elif math.isinf(tc):
                f = 0.0
            else:
                f = 1.0 - math.exp(-n / tc)
            new_mean = mean_var._tensor + f * (mu.detach().reshape(stat_shape).to(mean_var._tensor.dtype) - mean_var._tensor)
            new_var = var_var._tensor + f * (unbiased.detach().reshape(stat_shape).to(var_var._tensor.dtype) - var_var._tensor)
            mean_var._tensor.copy_(new_mean)
            var_var._tensor.copy_(new_var)
            count_var._tensor.add_(float(n))
    else:
        count = float(count_v.t.reshape(-1)[0].item())
        if count <= 0:
            mu_s = torch.zeros(stat_shape, dtype=x.dtype, device=x.device)
            var_s = torch.ones(stat_shape, dtype=x.dtype, device=x.device)
        else:
            mu_s, var_s = mean_v.t.to(x.dtype), var_v.t.to(x.dtype)
        y = (x - mu_s.reshape(lead + stat_shape)) / torch.sqrt(var_s.reshape(lead + stat_shape) + eps)
    return [y * scale.t.reshape(lead + stat_shape) + bias.t.reshape(lead + stat_shape)]
