"""Kernels of the loss and metric ops."""
from __future__ import annotations

import torch

from . import Call, aligned, kernel, static_dim


def _sum_static(t: torch.Tensor, dyn: int) -> torch.Tensor:
    dims = tuple(range(dyn, t.dim()))
    return t.sum(dim=dims) if dims else t


@kernel("SquaredError")
def _squared_error(call: Call):
    o, t = aligned(call)
    return [_sum_static((o - t) ** 2, call.out_dyn[0])]


@kernel("BinaryCrossEntropy")
def _bce(call: Call):
    o, t = aligned(call)
    return [-(t * torch.log(o) + (1 - t) * torch.log(1 - o))]


@kernel("WeightedBinaryCrossEntropy")
def _weighted_bce(call: Call):
    o, t, w = aligned(call)
    return [-w * (t * torch.log(o) + (1 - t) * torch.log(1 - o))]


@kernel("CrossEntropyWithSoftmax")
def _ce_softmax(call: Call):
    o, t = aligned(call)
    d = o.dim() - 1 if call.attrs.get("axis", -1) == -1 else call.out_dyn[0] + call.attrs["axis"]
    value = torch.logsumexp(o, dim=d) - (t * o).sum(dim=d)
    return [_keep_one(value, call.out_dyn[0])]


def _keep_one(v: torch.Tensor, dyn: int) -> torch.Tensor:
    """Reduce what is left of the sample to one element, shaped (1,)."""
    return _sum_static(v, dyn).unsqueeze(-1)


@kernel("ClassificationError")
def _classification_error(call: Call):
    o, t = aligned(call)
    k = call.attrs.get("topN", 1)
    o_flat = o.reshape(o.shape[:call.out_dyn[0]] + (-1,))
    t_flat = t.reshape(t.shape[:call.out_dyn[0]] + (-1,)).expand_as(o_flat)
    target = _first_argmax(t_flat)
    if k == 1:
        wrong = _first_argmax(o_flat) != target
    else:
        top = torch.topk(o_flat, k, dim=-1).indices
        wrong = ~(top == target.unsqueeze(-1)).any(dim=-1)
    return [wrong.to(o.dtype).unsqueeze(-1)]


def _first_argmax(x: torch.Tensor) -> torch.Tensor:
    best = x.amax(dim=-1, keepdim=True)
    positions = torch.arange(x.shape[-1], device=x.device)
    return torch.where(x == best, positions, x.shape[-1]).amin(dim=-1)


@kernel("CosDistance")
def _cos_distance(call: Call):
    x, y = aligned(call)
    dyn = call.out_dyn[0]
    dot = _sum_static(x * y, dyn)
    return [dot / torch.sqrt(_sum_static(x * x, dyn) * _sum_static(y * y, dyn))]
