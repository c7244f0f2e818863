"""Reductions over static axes, the batch axis, or all axes (honouring sequence padding), argmax/argmin, top_k."""
from __future__ import annotations

import torch

from . import Call, kernel


def _reduce(op: str, x: torch.Tensor, dims: tuple, keep: bool) -> torch.Tensor:
    if not dims:
        return x
    if op == "Sum":
        return x.sum(dim=dims, keepdim=keep)
    if op == "Mean":
        return x.mean(dim=dims, keepdim=keep)
    if op == "Prod":
        out = x
        for d in sorted(dims, reverse=True):
            out = out.prod(dim=d, keepdim=keep)
        return out
    if op in ("Max", "Min"):
        out = x
        for d in sorted(dims, reverse=True):
            out = out.amax(dim=d, keepdim=keep) if op == "Max" else out.amin(dim=d, keepdim=keep)
        return out
    if op == "LogSum":
        return torch.logsumexp(x, dim=dims, keepdim=keep)
    if op == "SumSquare":
        return (x * x).sum(dim=dims, keepdim=keep)
    if op == "L1":
        return x.abs().sum(dim=dims, keepdim=keep)
    if op == "L2":
        return torch.sqrt((x * x).sum(dim=dims, keepdim=keep))
    raise NotImplementedError("reduction '%s'" % op)


_FILL = {"Max": float("-inf"), "Min": float("inf"), "Prod": 1.0, "LogSum": float("-inf")}


@kernel("ReduceElements")
def _reduce_elements(call: Call):
    x = call.args[0]
    op = call.attrs["reduction"]
    axes = call.attrs.get("axes")
    keep = call.attrs.get("keepdims", True)
    rank = x.static_rank
    if axes is None or axes == "all_static":
        dims = tuple(range(x.dyn, x.dyn + rank))
        return [_reduce(op, x.t, dims, False)]
    if axes == "all":
        t = x.t
        if x.dyn == 2:
            mask = call.ctx.step_mask(call.node.inputs[0], t)
            t = torch.where(mask.reshape(mask.shape + (1,) * rank), t,
                            torch.full((), _FILL.get(op, 0.0), dtype=t.dtype, device=t.device))
            if op == "Mean":
                return [t.sum() / (mask.sum() * max(1, t[0, 0].numel()))]
        return [_reduce(op, t, tuple(range(t.dim())), False)]
    if axes == "batch" or call.attrs.get("batch"):
        if x.dyn != 1:
            raise NotImplementedError("a reduction over the batch axis of an operand with a sequence axis")
        static = () if axes == "batch" else tuple(1 + (a + rank if a < 0 else a) for a in axes)
        out = _reduce(op, x.t, (0,) + static, keep)
        return [out.squeeze(0) if keep else out]
    dims = tuple(sorted(x.dyn + (a + rank if a < 0 else a) for a in axes))
    return [_reduce(op, x.t, dims, keep)]


@kernel("Argmax", "Argmin")
def _arg(call: Call):
    x = call.args[0]
    axis = call.attrs.get("axes")
    pick = torch.argmax if call.fn.op_name == "Argmax" else torch.argmin
    if axis is None:
        flat = x.t.reshape(tuple(x.t.shape[:x.dyn]) + (-1,))
        return [_first_index(flat, pick, -1, False).to(x.t.dtype)]
    (a,) = axis
    d = x.dyn + (a + x.static_rank if a < 0 else a)
    return [_first_index(x.t, pick, d, True).to(x.t.dtype)]


def _first_index(t: torch.Tensor, pick, dim: int, keep: bool) -> torch.Tensor:
    """Index of the max/min along ``dim``; ties resolve to the first index, as CNTK does."""
    target = t.amax(dim=dim, keepdim=True) if pick is torch.argmax else t.amin(dim=dim, keepdim=True)
    hits = (t == target)
    positions = torch.arange(t.shape[dim], device=t.device).reshape((-1,) + (1,) * (t.dim() - dim - 1) if dim >= 0 else (-1,))
    big = torch.full_like(positions, t.shape[dim])
    idx = torch.where(hits, positions, big).amin(dim=dim, keepdim=keep)
    return idx


@kernel("TopK")
def _top_k(call: Call):
    x = call.args[0]
    a = call.attrs["axis"]
    d = x.dyn + (a + x.static_rank if a < 0 else a)
    values, indices = torch.topk(x.t, call.attrs["k"], dim=d)
    return [values, indices.to(x.t.dtype)]
