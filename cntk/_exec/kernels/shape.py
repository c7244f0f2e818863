"""Static-shape kernels: slice, splice, reshape, transpose, pad, one_hot, gather."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..._graph.inference import reshape_span, squeezed_shape
from . import Call, align, kernel, static_dim


@kernel("Slice")
def _slice(call: Call):
    x = call.args[0]
    t = x.t
    a = call.attrs
    for axis, begin, end, stride in zip(a["axes"], a["begins"], a["ends"], a["strides"]):
        d = static_dim(call, axis)
        n = t.shape[d]
        b = begin + n if begin < 0 else begin
        e = n if end == 0 else (end + n if end < 0 else end)
        index = [slice(None)] * t.dim()
        index[d] = slice(max(0, min(b, n)), max(0, min(e, n)))
        t = t[tuple(index)]
        if stride < 0:  # CNTK walks [begin, end) backwards from its last element
            t = t.flip(d)
        if abs(stride) != 1:
            index[d] = slice(None, None, abs(stride))
            t = t[tuple(index)]
    return [t]


@kernel("Splice")
def _splice(call: Call):
    out_dyn = call.out_dyn[0]
    rank = max(max(a.static_rank for a in call.args), 1)
    axis = call.attrs["axis"]
    ax = axis + rank if axis < 0 else axis
    if ax < 0:  # a new leading axis
        rank, ax = rank - ax, 0
    rank = max(rank, ax + 1)
    parts = [align(a, out_dyn, rank) for a in call.args]
    d = out_dyn + ax
    target = [max(p.shape[i] for p in parts) for i in range(parts[0].dim())]
    expanded = []
    for p in parts:
        shape = list(target)
        shape[d] = p.shape[d]
        expanded.append(p.expand(shape))
    return [torch.cat(expanded, dim=d)]


@kernel("Reshape")
def _reshape(call: Call):
    x = call.args[0]
    target = tuple(call.node.outputs[0].shape)
    if any(d < 0 for d in target):
        static = tuple(x.t.shape[x.dyn:])
        begin, end = reshape_span(call.fn, len(static))
        return [x.t.reshape(tuple(x.t.shape[:x.dyn]) + static[:begin] + tuple(call.attrs["shape"]) + static[end:])]
    sample = tuple(x.t.shape[x.dyn:])
    if math.prod(sample) != math.prod(target):  # an operand with free dimensions met its data
        operand = call.node.inputs[0]
        raise ValueError("Reshape: '%s' has samples of shape %s, which cannot be reshaped into %s"
                         % (operand.name or operand.uid, sample, target))
    return [x.t.reshape(tuple(x.t.shape[:x.dyn]) + target)]


@kernel("Squeeze")
def _squeeze(call: Call):
    x = call.args[0]
    target = tuple(call.node.outputs[0].shape)
    if any(d < 0 for d in target):
        target = squeezed_shape(call.fn, tuple(x.t.shape[x.dyn:]))
    return [x.t.reshape(tuple(x.t.shape[:x.dyn]) + target)]


@kernel("TransposeAxes")
def _transpose(call: Call):
    x = call.args[0]
    perm = list(range(x.dyn)) + [x.dyn + p for p in call.attrs["perm"]]
    return [x.t.permute(perm)]


@kernel("Pad")
def _pad(call: Call):
    x = call.args[0]
    pattern = call.attrs["pattern"]
    mode = call.attrs.get("mode", 0)
    t = x.t
    if mode == 2:
        for i, (before, after) in enumerate(pattern):
            d = x.dyn + i
            pieces = []
            if before:
                pieces.append(t.narrow(d, 0, before).flip(d))
            pieces.append(t)
            if after:
                pieces.append(t.narrow(d, t.shape[d] - after, after).flip(d))
            t = torch.cat(pieces, dim=d)
        return [t]
    flat = []
    for before, after in reversed(pattern):
        flat += [before, after]
    if mode == 1:
        lead = tuple(t.shape[:x.dyn])
        static = tuple(t.shape[x.dyn:])
        n = len(static)
        batched = t.reshape((-1, 1) + static) if n <= 3 else t
        out = F.pad(batched, flat, mode="reflect")
        return [out.reshape(lead + tuple(out.shape[2:]))]
    return [F.pad(t, flat, mode="constant", value=call.attrs.get("value", 0.0))]


@kernel("OneHot")
def _one_hot(call: Call):
    x = call.args[0]
    n = call.attrs["num_classes"]
    hot = F.one_hot(x.t.long(), n).to(x.t.dtype)
    axis = call.attrs["axis"]
    rank = x.static_rank + 1
    pos = axis + rank if axis < 0 else axis
    return [hot.movedim(-1, x.dyn + pos)]


@kernel("Gather")
def _gather(call: Call):
    ref, idx = call.args
    if ref.dyn:
        raise NotImplementedError("cntk.ops.gather with a reference that has dynamic axes")
    return [ref.t[idx.t.long()]]
