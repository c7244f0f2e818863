"""A stock cell's parameters as the fused engines take them.

Self-stabilisers multiply a state by a learned scalar ``softplus(steepness * alpha) / steepness``
before a product with a weight; the scalar is folded into that weight here (``H`` for the
recurrent input, the peephole weights, the projection), outside the time loop and under autograd,
so the alphas still get their gradients. Gate blocks are reordered with `gate_blocks`.
"""
from __future__ import annotations

from typing import Dict, Sequence, Tuple

import torch
import torch.nn.functional as F

Tensor = torch.Tensor

# Which weight each stabiliser's scalar multiplies (GRU keeps its S_dh apart: the stabilised state
# also enters the update outside the product).
_FOLDS = {"S_dh": ("H",), "S_dc": ("Ci", "Cf"), "S_ct": ("Co",), "S_ht": ("P",)}

_index_cache: Dict[Tuple, object] = {}  # gate permutations (and their inverses) and zero biases


def stabilizer_factor(alpha: Tensor, steepness: float) -> Tensor:
    """The scalar a Stabilizer multiplies by (as the Stabilizer layer computes it)."""
    return F.softplus(alpha * float(steepness)) * (1.0 / steepness)


def fold_stabilizers(weights: Dict[str, Tensor], steepness: float, keep: Sequence[str] = ()) -> Dict[str, Tensor]:
    """``weights`` (by role) with every stabiliser not in ``keep`` folded into the weight it scales."""
    out = {k: v for k, v in weights.items() if not k.startswith("S_")}
    for role, targets in _FOLDS.items():
        alpha = weights.get(role)
        if alpha is None:
            continue
        s = stabilizer_factor(alpha, steepness)
        if role in keep:
            out[role] = s
            continue
        for name in targets:
            if name in out:
                out[name] = out[name] * s
    return out


class _Permute(torch.autograd.Function):
    """``t.index_select(dim, order)`` for a permutation ``order``; its gradient is the inverse
    permutation of the incoming one (autograd's own backward of ``index_select`` would zero a
    tensor and scatter-add into it)."""

    @staticmethod
    def forward(ctx, t: Tensor, dim: int, order: Tensor, inverse: Tensor) -> Tensor:
        ctx.dim, ctx.inverse = dim, inverse
        return t.index_select(dim, order)

    @staticmethod
    def backward(ctx, grad: Tensor):
        return grad.index_select(ctx.dim, ctx.inverse), None, None, None


def gate_blocks(t: Tensor, order: Sequence[int], dim: int = -1) -> Tensor:
    """``t`` with its ``len(order)`` equal blocks along ``dim`` rearranged: block k of the result is
    block ``order[k]`` of ``t``."""
    dim = dim % t.dim()
    size = t.shape[dim] // len(order)
    key = (tuple(order), size, t.device)
    indices = _index_cache.get(key)
    if indices is None:
        order_index = torch.cat([torch.arange(k * size, (k + 1) * size) for k in order])
        inverse = torch.empty_like(order_index).scatter_(0, order_index, torch.arange(order_index.shape[0]))
        indices = _index_cache[key] = (order_index.to(t.device), inverse.to(t.device))
    return _Permute.apply(t, dim, *indices)


def zero_bias(like: Tensor) -> Tensor:
    """A shared zero vector shaped, typed and placed like ``like`` (torch's second RNN bias; never written)."""
    key = ("zeros", like.shape[0], like.dtype, like.device)
    z = _index_cache.get(key)
    if z is None:
        z = _index_cache[key] = torch.zeros(like.shape[0], dtype=like.dtype, device=like.device)
    return z


def as_matrix(w: Tensor, columns: int) -> Tensor:
    """A weight stored with several input axes ``(*in, columns)`` as an ``(in, columns)`` matrix."""
    return w.reshape(-1, columns)
