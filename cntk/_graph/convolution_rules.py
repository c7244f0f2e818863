"""Output types of the Convolution, Pooling and Unpooling primitives, and the per-axis window
geometry the kernels share with them.

Shapes are CNTK's channels-first row-major static shapes. Per-axis options (strides, padding,
dilation) given with fewer entries than the operand has axes are right-aligned, their first entry
repeating for the remaining leading axes, as CNTK does.

Auto-padding follows CNTK: along an axis of length ``n`` with stride ``s`` and (dilated) window
``k`` the output has ``floor((n - 1) / s) + 1`` positions (``ceil`` with ``ceil_out_dim``); the
window is centred, an even window reaching one more cell to the right than to the left, and when
the strides do not tile the axis exactly, half the slack (rounded towards zero) shifts the first
window. Without padding the output has ``floor((n - k) / s) + 1`` positions starting at 0.
"""
from __future__ import annotations

from typing import Any, List, NamedTuple, Optional, Sequence, Tuple

from .inference import FREE, Unknown, VarType, describe, first_known_dtype, new_sequence_axes, op_error, rule

GLOBAL_WINDOW = -2  # CNTK's unknown-shape marker: a pooling window covering all axes but the first


class AxisGeometry(NamedTuple):
    """Window placement along one axis: ``count`` outputs; the input is extended by ``lo`` cells
    before and ``hi`` after (negative values crop) so that a plain strided window yields them."""
    count: int
    lo: int
    hi: int


def _half_towards_zero(v: int) -> int:
    return v // 2 if v >= 0 else -((-v) // 2)


def axis_geometry(n: int, k: int, stride: int, dilation: int, pad: bool, ceil: bool = False) -> AxisGeometry:
    """CNTK's placement of a window of ``k`` taps along an axis of ``n`` cells."""
    span = (k - 1) * dilation + 1
    if pad:
        count = (-(-(n - 1) // stride) if ceil else (n - 1) // stride) + 1
        start = -((span - 1) // 2) + _half_towards_zero((n - 1) - (count - 1) * stride)
    else:
        count = max((-(-(n - span) // stride) if ceil else (n - span) // stride) + 1, 0)
        start = 0
    lo = -start
    hi = (count - 1) * stride + span - n - lo if count else -n - lo
    return AxisGeometry(count, lo, hi)


def per_axis(values: Sequence[Any], rank: int) -> List[Any]:
    """A per-axis option list for ``rank`` axes: right-aligned, the first entry repeated to the left."""
    values = list(values)
    if len(values) >= rank:
        return values[len(values) - rank:]
    return [values[0]] * (rank - len(values)) + values


class ConvLayout(NamedTuple):
    """How a Convolution node maps its kernel onto its operand."""
    maps: int                 # number of output maps K (1 when the kernel has no map axis)
    kernel: Tuple[int, ...]   # window extents over the operand axes (sequence axis included)
    has_map_axis: bool


def _conv_layout(fn, w_shape: tuple, rank: int) -> ConvLayout:
    if len(w_shape) == rank + 1:
        return ConvLayout(w_shape[0], tuple(w_shape[1:]), True)
    if len(w_shape) == rank:
        return ConvLayout(1, tuple(w_shape), False)
    raise op_error(fn, "the convolution map %s (shape %s) must have the rank of the operand %s (%d) or one more"
                   % (describe(fn, 0), w_shape, describe(fn, 1), rank))


def operand_axes(fn, x_shape: tuple) -> Tuple[int, ...]:
    """The operand's axes as the convolution sees them; a sequential convolution inserts the
    sequence axis (FREE) after the reduction axis."""
    if not fn._attributes.get("sequential"):
        return tuple(x_shape)
    at = fn._attributes.get("reduction_rank", 1)
    return tuple(x_shape[:at]) + (FREE,) + tuple(x_shape[at:])


def conv_geometry(fn, w_shape: tuple, axes: Tuple[int, ...],
                  check: bool = True) -> Tuple[ConvLayout, List[Optional[AxisGeometry]]]:
    """Layout and per-axis geometry of a forward convolution (None for a FREE sequence axis);
    ``check`` rejects kernels longer than the operand (CNTK's rule for static axes)."""
    a = fn._attributes
    lay = _conv_layout(fn, w_shape, len(axes))
    rank = len(axes)
    strides = per_axis(a["strides"], rank)
    pads = per_axis(a["auto_padding"], rank)
    dil = per_axis(a["dilation"], rank)
    geo: List[Optional[AxisGeometry]] = []
    for i, (n, k) in enumerate(zip(axes, lay.kernel)):
        if n == FREE:
            geo.append(None)
            continue
        if check and k > n:
            raise op_error(fn, "the kernel extent %d along axis %d exceeds the operand's %d (operand %s of shape %s, "
                               "convolution map of shape %s)" % (k, i, n, describe(fn, 1), axes, w_shape))
        geo.append(axis_geometry(n, k, strides[i], dil[i], bool(pads[i])))
    return lay, geo


def _resolve_kernel(fn, w_shape: tuple, x_shape: tuple, dtype: Any) -> tuple:
    """Fill the kernel's inferred reduction (channel) extent from the operand."""
    wvar = fn._inputs[0]
    if not any(d < 0 for d in w_shape):
        if wvar.is_parameter and wvar._tensor is None and hasattr(wvar, "_resolve"):
            wvar._resolve(w_shape, None if dtype is Unknown else dtype)
        return w_shape
    a = fn._attributes
    groups = a.get("groups", 1)
    axes = operand_axes(fn, x_shape)
    lay = _conv_layout(fn, w_shape, len(axes))
    off = 1 if lay.has_map_axis else 0
    if a.get("transpose"):
        filled = (x_shape[0],) + tuple(w_shape[1:]) if w_shape[0] < 0 else tuple(w_shape)
    else:
        filled = list(w_shape)
        for i, k in enumerate(lay.kernel):
            if k < 0:
                n = axes[i]
                filled[off + i] = n // groups if i == 0 and n > 0 else n
        filled = tuple(filled)
    if any(d < 0 for d in filled):
        raise op_error(fn, "cannot infer the dimensions %s of the convolution map %s from operand shape %s"
                       % (w_shape, describe(fn, 0), x_shape))
    if hasattr(wvar, "_resolve"):
        wvar._resolve(filled, None if dtype is Unknown else dtype)
    return filled


def _forward_output(fn, lay: ConvLayout, geo: List[Optional[AxisGeometry]], axes: tuple) -> tuple:
    counts = [g.count for g, n in zip(geo, axes) if g is not None]
    rr = fn._attributes.get("reduction_rank", 1)
    if rr == 0:
        return (lay.maps,) + tuple(counts)
    return (lay.maps * counts[0],) + tuple(counts[1:])


def transpose_output(fn, w_shape: tuple, x_shape: tuple) -> tuple:
    """Output shape of a transposed convolution: the given output_shape (checked by convolving
    it forward), else the smallest shape that convolves back to the operand's."""
    a = fn._attributes
    rank = len(x_shape)
    if len(w_shape) != rank + 1:
        raise op_error(fn, "the convolution map %s (shape %s) must have one axis more than the operand %s (shape %s)"
                       % (describe(fn, 0), w_shape, describe(fn, 1), x_shape))
    if w_shape[0] != x_shape[0]:
        raise op_error(fn, "the convolution map %s (shape %s) expects %d input channels, operand %s has shape %s"
                       % (describe(fn, 0), w_shape, w_shape[0], describe(fn, 1), x_shape))
    kernel = tuple(w_shape[1:])
    strides = per_axis(a["strides"], rank)
    pads = per_axis(a["auto_padding"], rank)
    dil = per_axis(a["dilation"], rank)
    given = a.get("output_shape")
    if given:
        out = tuple(given)
        if len(out) != rank:
            raise op_error(fn, "output_shape %s must have the operand's rank %d" % (out, rank))
        forward = tuple(x_shape[0] * g.count if i == 0 else g.count for i, g in
                        enumerate(axis_geometry(n, k, s, d, bool(p)) for n, k, s, d, p in zip(out, kernel, strides, dil, pads)))
        if forward != tuple(x_shape):
            raise op_error(fn, "the operand %s has shape %s, but convolving the output_shape %s with these options "
                               "gives %s" % (describe(fn, 1), tuple(x_shape), out, forward))
        return out
    out = [kernel[0]]
    for n, k, s, d, p in list(zip(x_shape, kernel, strides, dil, pads))[1:]:
        out.append((n - 1) * s + (1 if p else (k - 1) * d + 1))
    return tuple(out)


@rule("Convolution")
def _convolution(fn, t):
    w, x = t
    a = fn._attributes
    dtype = first_known_dtype(t)
    axes_out = x.axes
    if a.get("sequential") and x.axes is not Unknown:
        if not any(ax.is_sequence_axis for ax in x.axes):
            raise op_error(fn, "a sequential convolution needs an operand with a sequence axis; %s has dynamic axes %s"
                           % (describe(fn, 1), [ax.name for ax in x.axes]))
        axes_out = new_sequence_axes(fn, x.axes, "ConvOverSequenceAxis")
    elif a.get("sequential"):
        axes_out = Unknown
    if w.shape is Unknown or x.shape is Unknown or any(d < 0 for d in x.shape):
        return [VarType(Unknown, dtype, axes_out)]
    w_shape = _resolve_kernel(fn, tuple(w.shape), tuple(x.shape), dtype)
    if a.get("transpose"):
        return [VarType(transpose_output(fn, w_shape, tuple(x.shape)), dtype, axes_out)]
    axes = operand_axes(fn, tuple(x.shape))
    lay, geo = conv_geometry(fn, w_shape, axes)
    groups = a.get("groups", 1)
    if groups > 1 and (lay.kernel[0] * groups != axes[0] or lay.maps % groups):
        raise op_error(fn, "with groups=%d the operand's %d channels and the %d maps must divide into groups "
                           "(convolution map shape %s)" % (groups, axes[0], lay.maps, w_shape))
    return [VarType(_forward_output(fn, lay, geo, axes), dtype, axes_out)]


def pooling_window(fn, x_shape: tuple) -> tuple:
    """The pooling window over all operand axes (leading axes outside the window get 1)."""
    window = tuple(fn._attributes["window"])
    if GLOBAL_WINDOW in window:
        return (1,) + tuple(x_shape[1:]) if x_shape else ()
    if len(window) > len(x_shape):
        raise op_error(fn, "the pooling window %s has more axes than the operand %s (shape %s)"
                       % (window, describe(fn, 0), x_shape))
    return (1,) * (len(x_shape) - len(window)) + window


def pooling_options(fn, x_shape: tuple) -> Tuple[tuple, List[int], List[bool]]:
    """Window, strides and padding flags of a pooling node over every operand axis; leading axes
    outside the window get window 1, stride 1 and no padding."""
    a = fn._attributes
    window = pooling_window(fn, x_shape)
    wrank = len(x_shape) if GLOBAL_WINDOW in a["window"] else len(a["window"])
    lead = len(x_shape) - wrank
    strides = [1] * lead + per_axis(a["strides"], wrank)
    pads = [False] * lead + [bool(p) for p in per_axis(a["auto_padding"], wrank)]
    return window, strides, pads


def pooling_geometry(fn, x_shape: tuple, ceil: bool) -> List[AxisGeometry]:
    """Per-axis geometry of a pooling window over ``x_shape``."""
    window, strides, pads = pooling_options(fn, x_shape)
    geo = []
    for i, (n, k) in enumerate(zip(x_shape, window)):
        if k > n:
            raise op_error(fn, "the pooling window %s exceeds the operand %s (shape %s) along axis %d"
                           % (window, describe(fn, 0), x_shape, i))
        geo.append(axis_geometry(n, k, strides[i], 1, pads[i], ceil))
    return geo


@rule("Pooling")
def _pooling(fn, t):
    x = t[0]
    if x.shape is Unknown or any(d < 0 and d != FREE for d in x.shape):
        return [VarType(Unknown, x.dtype, x.axes)]
    if FREE in x.shape:  # sizes known only from data: free axes stay free, the others are computed
        window, strides, pads = pooling_options(fn, tuple(x.shape))
        ceil = bool(fn._attributes.get("ceil_out_dim"))
        return [VarType(tuple(FREE if n == FREE else axis_geometry(n, k, s, 1, p, ceil).count
                              for n, k, s, p in zip(x.shape, window, strides, pads)), x.dtype, x.axes)]
    geo = pooling_geometry(fn, tuple(x.shape), bool(fn._attributes.get("ceil_out_dim")))
    return [VarType(tuple(g.count for g in geo), x.dtype, x.axes)]


@rule("Unpooling")
def _unpooling(fn, t):
    y, x = t
    if y.shape is not Unknown and x.shape is not Unknown and all(d >= 0 for d in x.shape):
        pooled = tuple(g.count for g in pooling_geometry(fn, tuple(x.shape), False))
        if tuple(y.shape) != pooled:
            raise op_error(fn, "the operand %s has shape %s, but pooling %s (shape %s) with this window gives %s"
                           % (describe(fn, 0), tuple(y.shape), describe(fn, 1), tuple(x.shape), pooled))
    return [VarType(x.shape, first_known_dtype(t), x.axes)]
