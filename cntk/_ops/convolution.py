"""Convolution and pooling ops with CNTK 2.7's conventions.

Operands are channels-first static shapes such as (C, H, W); a forward kernel has the shape
(out_channels, in_channels, kH, kW) and a transposed one (in_channels, out_channels, kH, kW).
Per-axis options cover every operand axis, the channel axis included (a short list is
right-aligned and its first entry repeated to the left), so layers pass ``False`` for the channel
axis' padding; see `cntk._graph.convolution_rules` for the padding geometry.
"""
from __future__ import annotations

from typing import Any

from .._exec.kernels import convolution as _conv_kernels  # noqa: F401  (registers the kernels)
from .._graph import convolution_rules  # noqa: F401  (registers the type rules)
from .._graph.function import Function, primitive
from .._graph.variable import sanitize_shape

MAX_POOLING = 0
"""int: ``pooling_type`` value for max pooling (CNTK's PoolingType_Max)."""
AVG_POOLING = 1
"""int: ``pooling_type`` value for average pooling (CNTK's PoolingType_Average)."""
MAX_UNPOOLING = MAX_POOLING
"""int: ``unpooling_type`` value for max unpooling (the only kind CNTK has)."""


def _flags(values: Any) -> tuple:
    """A per-axis list of booleans from a bool or a sequence of them."""
    if isinstance(values, (list, tuple)):
        return tuple(bool(v) for v in values)
    return (bool(values),)


def _check_common(sharing: Any, op: str) -> None:
    if not all(_flags(sharing)):
        raise NotImplementedError("cntk.ops.%s: sharing=False (unshared weights) is not implemented in cntk-torch" % op)


def convolution(convolution_map: Any, operand: Any, strides: Any = (1,), sharing: Any = [True],
                auto_padding: Any = [True], sequential: bool = False, dilation: Any = (1,), reduction_rank: int = 1,
                groups: int = 1, max_temp_mem_size_in_samples: int = 0, name: str = "") -> Function:
    """N-dimensional convolution (a cross-correlation, as in CNTK) of ``operand`` with the kernel
    ``convolution_map``.

    With ``reduction_rank=1`` the operand is (C, spatial...) and the kernel (K, C, window...); the
    result is (K, spatial'...). The window also slides over the channel axis where its extent is
    smaller than C or that axis is padded (the result's first axis then holds K times the
    channel positions). With ``reduction_rank=0`` the operand has no channel axis and the result
    gains a leading axis of K. ``sequential=True`` convolves along the sequence axis as well,
    ``window[0]`` applying to it; the result then lives on a new sequence axis. ``groups`` splits
    channels and maps into that many independent groups."""
    _check_common(sharing, "convolution")
    if reduction_rank not in (0, 1):
        raise ValueError("convolution: reduction_rank must be 0 or 1, got %r" % (reduction_rank,))
    if groups < 1:
        raise ValueError("convolution: groups must be a positive integer, got %r" % (groups,))
    attrs = {"strides": sanitize_shape(strides), "sharing": _flags(sharing), "auto_padding": _flags(auto_padding),
             "dilation": sanitize_shape(dilation), "reduction_rank": int(reduction_rank), "groups": int(groups),
             "sequential": bool(sequential), "transpose": False,
             "max_temp_mem_size_in_samples": int(max_temp_mem_size_in_samples)}
    return primitive("Convolution", [convolution_map, operand], attrs, name=name)


def convolution_transpose(convolution_map: Any, operand: Any, strides: Any = (1,), sharing: Any = [True],
                          auto_padding: Any = [True], output_shape: Any = None, dilation: Any = (1,),
                          reduction_rank: int = 1, max_temp_mem_size_in_samples: int = 0, name: str = "") -> Function:
    """Transposed convolution (the adjoint of `convolution`, often called deconvolution).

    The kernel is (C_in, C_out, window...) for an operand (C_in, spatial...). The result is
    ``output_shape`` (C_out, spatial'...) when given, which must convolve forward back to the
    operand's shape; otherwise each spatial extent n becomes (n - 1) * stride + 1 with padding
    and (n - 1) * stride + dilated window without."""
    _check_common(sharing, "convolution_transpose")
    if reduction_rank != 1:
        raise NotImplementedError("cntk.ops.convolution_transpose: reduction_rank=%r is not implemented in cntk-torch "
                                  "(only 1)" % (reduction_rank,))
    out = None if output_shape is None else sanitize_shape(output_shape)
    if out is not None and all(d == 0 for d in out):
        out = None
    attrs = {"strides": sanitize_shape(strides), "sharing": _flags(sharing), "auto_padding": _flags(auto_padding),
             "dilation": sanitize_shape(dilation), "reduction_rank": 1, "groups": 1, "sequential": False,
             "transpose": True, "output_shape": out,
             "max_temp_mem_size_in_samples": int(max_temp_mem_size_in_samples)}
    return primitive("Convolution", [convolution_map, operand], attrs, name=name)


def pooling(operand: Any, pooling_type: int, pooling_window_shape: Any, strides: Any = (1,),
            auto_padding: Any = [False], ceil_out_dim: bool = False, include_pad: bool = False,
            name: str = "") -> Function:
    """Max (``MAX_POOLING``) or average (``AVG_POOLING``) pooling over the trailing axes that
    ``pooling_window_shape`` covers (leading axes, e.g. channels, are pooled one by one).

    Padded cells never win a max and, unless ``include_pad``, do not count in an average (with
    ``include_pad`` every average divides by the full window size). ``ceil_out_dim`` rounds the
    number of windows up, so a last window may stick out of the operand. A window of CNTK's
    unknown shape (``(-2,)``, as the global pooling layers pass) covers all axes but the first."""
    if pooling_type not in (MAX_POOLING, AVG_POOLING):
        raise ValueError("pooling: pooling_type must be MAX_POOLING or AVG_POOLING, got %r" % (pooling_type,))
    window = sanitize_shape(pooling_window_shape)
    pads = _flags(auto_padding)
    if -2 in window and any(pads):
        raise ValueError("pooling: padding is not allowed with a global (unknown-shape) pooling window")
    attrs = {"pooling_type": int(pooling_type), "window": window, "strides": sanitize_shape(strides),
             "auto_padding": pads, "ceil_out_dim": bool(ceil_out_dim), "include_pad": bool(include_pad)}
    return primitive("Pooling", [operand], attrs, name=name)


def unpooling(operand: Any, pooling_input: Any, unpooling_type: int, unpooling_window_shape: Any,
              strides: Any = (1,), auto_padding: Any = [False], name: str = "") -> Function:
    """Max unpooling: the inverse routing of a max pooling of ``pooling_input`` with the same
    window options. Each value of ``operand`` (shaped like that pooling's result) goes to the
    position where its window's maximum sits in ``pooling_input``; every other cell is 0. The
    result has ``pooling_input``'s shape."""
    if unpooling_type != MAX_UNPOOLING:
        raise ValueError("unpooling: only MAX_UNPOOLING is supported, got %r" % (unpooling_type,))
    attrs = {"pooling_type": MAX_POOLING, "window": sanitize_shape(unpooling_window_shape), "strides": sanitize_shape(strides),
             "auto_padding": _flags(auto_padding), "ceil_out_dim": False, "include_pad": False}
    return primitive("Unpooling", [operand, pooling_input], attrs, name=name)


__all__ = ["AVG_POOLING", "MAX_POOLING", "MAX_UNPOOLING", "convolution", "convolution_transpose", "pooling",
           "unpooling"]
