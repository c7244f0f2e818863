"""Kernels of the Convolution (forward, transposed, sequential), Pooling and Unpooling primitives.

The leading dynamic dims of the operand are flattened into torch's batch dim. CNTK's padding is
applied explicitly (`F.pad`, negative amounts crop) from the geometry the type rules compute, so
torch's ops always run unpadded. A sequential convolution runs once per distinct sequence length
(the window placement along time depends on the length) and writes the new lengths.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Sequence, Tuple

import torch
import torch.nn.functional as F

from ..._graph.convolution_rules import (AxisGeometry, axis_geometry, conv_geometry, operand_axes, per_axis,
                                         pooling_geometry, pooling_options)
from ..._graph.inference import FREE
from . import Call, kernel

_CONV: Dict[int, Callable] = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_T: Dict[int, Callable] = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
_MAX: Dict[int, Callable] = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG: Dict[int, Callable] = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


def _spatial_op(table: Dict[int, Callable], rank: int, what: str) -> Callable:
    try:
        return table[rank]
    except KeyError:
        raise NotImplementedError("%s over %d axes at once is not implemented in cntk-torch (torch has 1 to 3)"
                                  % (what, rank))


def _pad(t: torch.Tensor, geo: Sequence[AxisGeometry], value: float = 0.0) -> torch.Tensor:
    """Extend (or crop) the trailing ``len(geo)`` dims of ``t`` by each axis' (lo, hi)."""
    amounts: List[int] = []
    for g in reversed(geo):
        amounts += [g.lo, g.hi]
    if not any(amounts):
        return t
    return F.pad(t, amounts, mode="constant", value=value)


def _forward(fn, w: torch.Tensor, x: torch.Tensor, axes: Tuple[int, ...]) -> torch.Tensor:
    """Convolve a batch ``x`` (N, *axes) with the kernel ``w``; (N, *output shape) with the
    sequence axis, if any, kept at dim 2."""
    a = fn._attributes
    lay, geo = conv_geometry(fn, tuple(w.shape), axes, check=False)
    rank = len(axes)
    strides = per_axis(a["strides"], rank)
    dil = per_axis(a["dilation"], rank)
    groups = a.get("groups", 1)
    rr = a.get("reduction_rank", 1)
    weight = w if lay.has_map_axis else w.unsqueeze(0)
    N = x.shape[0]
    if any(g.count == 0 for g in geo):
        counts = [g.count for g in geo]
        shape = (lay.maps,) + tuple(counts) if rr == 0 else (lay.maps * counts[0],) + tuple(counts[1:])
        return x.new_zeros((N,) + shape)
    if rr == 1 and geo[0] == AxisGeometry(1, 0, 0) and lay.kernel[0] * groups == axes[0]:
        spatial = rank - 1
        xs = _pad(x, geo[1:])
        if spatial == 0:  # no spatial axes: a product over channels
            return F.conv1d(xs.unsqueeze(-1), weight.unsqueeze(-1), groups=groups).squeeze(-1)
        conv = _spatial_op(_CONV, spatial, "convolution")
        return conv(xs, weight, stride=tuple(strides[1:]), dilation=tuple(dil[1:]), groups=groups)
    if groups != 1:
        raise NotImplementedError("cntk.ops.convolution: groups > 1 with a window sliding over the channel axis "
                                  "is not implemented in cntk-torch")
    conv = _spatial_op(_CONV, rank, "convolution")
    y = conv(_pad(x.unsqueeze(1), geo), weight.unsqueeze(1), stride=tuple(strides), dilation=tuple(dil))
    if rr == 0:
        return y
    return y.reshape((N, lay.maps * y.shape[2]) + tuple(y.shape[3:]))


def _transposed(fn, w: torch.Tensor, x: torch.Tensor, out_shape: tuple) -> torch.Tensor:
    """The adjoint of the forward convolution that maps ``out_shape`` onto x's shape."""
    a = fn._attributes
    rank = len(out_shape)
    kernel = tuple(w.shape[1:])
    strides = per_axis(a["strides"], rank)
    pads = per_axis(a["auto_padding"], rank)
    dil = per_axis(a["dilation"], rank)
    spatial = rank - 1
    if spatial == 0:
        return F.conv_transpose1d(x.unsqueeze(-1), w.unsqueeze(-1)).squeeze(-1)
    conv_t = _spatial_op(_CONV_T, spatial, "transposed convolution")
    full = conv_t(x, w, stride=tuple(strides[1:]), dilation=tuple(dil[1:]))
    geo = [axis_geometry(n, k, s, d, bool(p)) for n, k, s, d, p in
           zip(out_shape[1:], kernel[1:], strides[1:], dil[1:], pads[1:])]
    return _pad(full, [AxisGeometry(g.count, -g.lo, -g.hi) for g in geo])


def _sequential(call: Call, w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Convolution along the sequence axis too: one run per distinct length."""
    fn = call.fn
    lengths = call.ctx.lengths_of(call.node.inputs[1])
    rr = fn._attributes.get("reduction_rank", 1)
    static = tuple(x.shape[2:])
    axes_free = operand_axes(fn, static)
    at = axes_free.index(FREE)
    pieces, order, new_len = [], [], torch.zeros_like(lengths)
    for L in sorted(set(int(v) for v in lengths.tolist())):
        idx = (lengths == L).nonzero().reshape(-1)
        xg = x[idx, :L]                                    # (G, L, *static)
        xg = xg.movedim(1, 1 + at)                          # time at its place among the axes
        axes = axes_free[:at] + (L,) + axes_free[at + 1:]
        yg = _forward(fn, w, xg, axes).movedim(2, 1)        # (G, L', *out)
        pieces.append(yg)
        order.append(idx)
        new_len[idx] = yg.shape[1]
    T_out = max(int(p.shape[1]) for p in pieces)
    padded = [F.pad(p, [0, 0] * (p.dim() - 2) + [0, T_out - p.shape[1]]) for p in pieces]
    y = torch.cat(padded, dim=0)
    inverse = torch.empty_like(lengths)
    inverse[torch.cat(order)] = torch.arange(len(lengths), device=lengths.device)
    call.ctx.set_lengths(call.node.outputs[0], new_len)
    return y[inverse]


@kernel("Convolution")
def _convolution(call: Call):
    wop, xop = call.args
    if wop.dyn:
        raise NotImplementedError("cntk.ops.convolution: a convolution map with dynamic axes is not implemented "
                                  "in cntk-torch")
    w, x, dyn = wop.t, xop.t, xop.dyn
    a = call.attrs
    if a.get("sequential"):
        return [_sequential(call, w, x)]
    lead, static = tuple(x.shape[:dyn]), tuple(x.shape[dyn:])
    xb = x.reshape((-1,) + static)
    if a.get("transpose"):
        y = _transposed(call.fn, w, xb, tuple(call.node.outputs[0].shape))
    else:
        y = _forward(call.fn, w, xb, static)
    return [y.reshape(lead + tuple(y.shape[1:]))]


def _pooled_axes(fn, static: tuple, geo: List[AxisGeometry]) -> int:
    """Index of the first axis the window acts on; axes before it pass through."""
    window, strides, _ = pooling_options(fn, static)
    first = 0
    while first < len(static) and window[first] == 1 and strides[first] == 1 and geo[first] == AxisGeometry(static[first], 0, 0):
        first += 1
    return first


def _window_view(call: Call, x: torch.Tensor, dyn: int, ceil: bool):
    """x as (N, 1, *pooled axes), with the pooled axes' geometry, window and strides."""
    fn = call.fn
    static = tuple(x.shape[dyn:])
    geo = pooling_geometry(fn, static, ceil)
    window, strides, _ = pooling_options(fn, static)
    first = _pooled_axes(fn, static, geo)
    xb = x.reshape((-1, 1) + static[first:])
    return xb, geo[first:], tuple(window[first:]), tuple(strides[first:]), tuple(x.shape[:dyn]) + static[:first]


@kernel("Pooling")
def _pooling(call: Call):
    xop = call.args[0]
    a = call.attrs
    xb, geo, window, strides, keep = _window_view(call, xop.t, xop.dyn, bool(a.get("ceil_out_dim")))
    if not geo:
        return [xop.t]
    counts = tuple(g.count for g in geo)
    if a["pooling_type"] == 0:
        op = _spatial_op(_MAX, len(geo), "max pooling")
        y = op(_pad(xb, geo, float("-inf")), window, strides)
    else:
        op = _spatial_op(_AVG, len(geo), "average pooling")
        y = op(_pad(xb, geo), window, strides)
        if not a.get("include_pad"):
            ones = torch.ones((1, 1) + tuple(xb.shape[2:]), dtype=xb.dtype, device=xb.device)
            y = y / op(_pad(ones, geo), window, strides)
    return [y.reshape(keep + counts)]


@kernel("Unpooling")
def _unpooling(call: Call):
    yop, xop = call.args
    xb, geo, window, strides, _ = _window_view(call, xop.t, xop.dyn, False)
    if not geo:
        return [yop.t.reshape(xop.t.shape)]
    op = _spatial_op(_MAX, len(geo), "max unpooling")
    padded = _pad(xb, geo, float("-inf"))
    _, idx = op(padded.detach(), window, strides, return_indices=True)
    values = yop.t.reshape(idx.shape)
    flat = padded.new_zeros(padded.shape[:2] + (padded[0, 0].numel(),))
    out = flat.scatter(2, idx.reshape(idx.shape[0], idx.shape[1], -1), values.reshape(values.shape[0], values.shape[1], -1))
    out = _pad(out.reshape(padded.shape), [AxisGeometry(g.count, -g.lo, -g.hi) for g in geo])
    return [out.reshape(tuple(xop.t.shape))]
