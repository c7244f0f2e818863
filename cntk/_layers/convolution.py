"""Convolution and pooling layer factories with CNTK 2.7's parameter shapes and options.

A convolution layer owns ``W`` of shape ``(num_filters, input_channels, *filter_shape)`` (the
input channels inferred on first use) and, with ``bias``, ``b`` of shape
``(num_filters, 1, ..., 1)``. ``num_filters=None`` means one map and no map axis in the output;
``reduction_rank=0`` means the input has no channel axis (both are emulated by reshaping around a
one-map / one-channel convolution, as CNTK does). Scalar options such as ``pad`` or ``strides``
apply to every axis of the filter; tuples give one value per axis.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Tuple

import numpy as np

from .._graph.defaults import default_override_or, get_default_override
from .._graph.function import Function, primitive
from .._graph.initializer import Initializer, glorot_uniform
from .._graph.variable import Parameter
from .._ops.convolution import AVG_POOLING, MAX_POOLING, MAX_UNPOOLING, convolution, convolution_transpose, pooling, unpooling
from ._util import make_block
from .core_layers import identity

_INFERRED = -1
_GLOBAL = (-2,)  # CNTK's unknown shape: a pooling window over all axes but the first


def _as_tuple(x: Any) -> tuple:
    """An option given as a scalar or a sequence, as a tuple (None is the empty tuple)."""
    if x is None:
        return ()
    if isinstance(x, (list, tuple)):
        return tuple(x)
    return (x,)


def _pad_to_shape(filter_shape: tuple, param: Any, what: str) -> tuple:
    """A per-axis option for every filter axis: one value is repeated, otherwise the lengths must match."""
    param = _as_tuple(param)
    if len(param) == 1:
        param = param * len(filter_shape)
    if len(param) != len(filter_shape):
        raise ValueError("%s (%s) must be a scalar or have as many elements as filter_shape %s" % (what, param, filter_shape))
    return param


def _kernel_init(init: Any, filter_rank: int) -> Any:
    """The weight initialiser with CNTK's convolution fans (maps first, filter axes last)."""
    if isinstance(init, Initializer):
        return init.with_rank(output_rank=-1, filter_rank=filter_rank)
    return init


def _apply(activation: Optional[Callable], r: Any) -> Any:
    return r if activation is None or activation is identity else activation(r)


def _reshape(x: Any, shape: tuple, begin_axis: int, end_axis: Optional[int]) -> Function:
    return primitive("Reshape", [x], {"shape": shape, "begin_axis": begin_axis, "end_axis": end_axis})


def _insert_unit_axis(x: Any, before_last: int) -> Function:
    """x with an axis of 1 inserted before its last ``before_last`` axes (at the front when 0;
    that is CNTK's placement whenever the input is a scalar)."""
    if before_last:
        return _reshape(x, (1,), -before_last, -before_last)
    return _reshape(x, (1,), 0, 0)


def _drop_unit_axis(r: Any, before_last: int) -> Function:
    """r without the axis of 1 that sits before its last ``before_last`` axes."""
    return _reshape(r, (), -before_last - 1, -before_last if before_last else None)


def _check_conv_options(reduction_rank: int, transpose_weight: bool, sharing: tuple, groups: int, op: str) -> None:
    if reduction_rank not in (0, 1):
        raise NotImplementedError("%s: reduction_rank must be 0 or 1" % op)
    if transpose_weight:
        raise NotImplementedError("cntk.layers.%s: transpose_weight=True is not supported (as in CNTK)" % op)
    if not all(sharing):
        raise NotImplementedError("cntk.layers.%s: sharing=False is not supported (as in CNTK)" % op)
    if groups <= 0:
        raise ValueError("%s: groups must be strictly positive" % op)
    if groups > 1:
        raise ValueError("%s: groups > 1 is not supported by the layer; use cntk.convolution for grouped "
                         "convolution" % op)


def _bias(shape: tuple, init: Any) -> Parameter:
    """The bias Parameter; an array ``init`` gives its own shape (CNTK ignores ``shape`` then, so
    a (K,) array on a (K, 1) bias broadcasts along the last axis)."""
    if isinstance(init, np.ndarray):
        return Parameter(init.shape, init=init.astype(np.float32), name='b')
    return Parameter(shape, init=init, name='b')


def _conv_weights(filter_shape: tuple, num_filters: tuple, init: Any, reduction_rank: int, bias: bool,
                  init_bias: Any, bias_rank: int) -> Tuple[Parameter, Optional[Parameter]]:
    """W (maps, inferred channels, *filter_shape) and b (maps, 1, ...) of a convolution layer."""
    maps = num_filters or (1,)
    kernel_shape = maps + (_INFERRED,) + filter_shape
    if isinstance(init, np.ndarray):
        if reduction_rank != 0:
            raise ValueError("a constant initializer can currently only be used without reduction dimension")
        if init.shape != num_filters + filter_shape:
            raise ValueError("a constant initializer was passed that is of wrong shape: %s, expected %s"
                             % (init.shape, num_filters + filter_shape))
        W = Parameter(init.reshape(maps + (-1,) + filter_shape).shape,
                      init=init.reshape(maps + (-1,) + filter_shape).astype(np.float32), name='W')
    else:
        W = Parameter(kernel_shape, init=_kernel_init(init, len(filter_shape)), name='W')
    b = _bias(maps + (1,) * bias_rank, init_bias) if bias else None
    return W, b


def _convolution_layer(filter_shape: Any, num_filters: Any, sequential: bool, activation: Any, init: Any, pad: Any,
                       strides: Any, sharing: Any, bias: Any, init_bias: Any, reduction_rank: int, transpose_weight: bool,
                       dilation: Any, groups: int, max_temp_mem_size_in_samples: int, op_name: str,
                       name: str) -> Function:
    """The shared body of Convolution and SequentialConvolution."""
    filter_shape = _as_tuple(filter_shape)
    num_filters = _as_tuple(num_filters or ())
    filter_rank = len(filter_shape)
    strides = _pad_to_shape(filter_shape, strides, 'strides')
    sharing = _pad_to_shape(filter_shape, sharing, 'sharing')
    pad = _pad_to_shape(filter_shape, pad, 'pad')
    dilation = _pad_to_shape(filter_shape, dilation, 'dilation')
    _check_conv_options(reduction_rank, transpose_weight, sharing, groups, op_name)
    emulate_in = reduction_rank == 0
    emulate_out = num_filters == ()
    spatial_rank = filter_rank - (1 if sequential else 0)   # filter axes that are static axes of the input
    W, b = _conv_weights(filter_shape, num_filters, init, reduction_rank, bias, init_bias, spatial_rank)
    op_strides = (1,) + strides                               # the channel axis first
    op_pad = (False,) + pad
    op_dilation = (1,) + dilation

    def convolve(x):
        if emulate_in:
            x = _insert_unit_axis(x, spatial_rank)
        r = convolution(W, x, strides=op_strides, sharing=(True,) + sharing, auto_padding=op_pad, sequential=sequential,
                        dilation=op_dilation, groups=groups, max_temp_mem_size_in_samples=max_temp_mem_size_in_samples)
        if b is not None:
            r = r + b
        if emulate_out:
            r = _drop_unit_axis(r, spatial_rank)
        return _apply(activation, r)
    return make_block(convolve, 'Convolution', name)


def Convolution(filter_shape, num_filters=None, sequential=False, activation=default_override_or(identity),
                init=default_override_or(glorot_uniform()), pad=default_override_or(False), strides=1, sharing=True,
                bias=default_override_or(True), init_bias=default_override_or(0), reduction_rank=1,
                transpose_weight=False, dilation=1, groups=1, max_temp_mem_size_in_samples=0,
                op_name='Convolution', name='') -> Function:
    """N-dimensional convolution layer: ``activation(convolution(W, x) + b)``.

    The input is (channels, *spatial) — or just (*spatial) with ``reduction_rank=0`` — and the
    output (num_filters, *spatial'), without the first axis when ``num_filters`` is None.
    ``pad=True`` keeps ceil(n / stride) positions along an axis (CNTK's centred padding; an even
    filter reaches further right), ``pad=False`` only uses positions where the filter fits.
    ``sequential=True`` also convolves along the sequence axis, ``filter_shape[0]`` applying to it;
    it is built like `SequentialConvolution` (the result is on a new sequence axis and ``b`` has
    one axis fewer than with CNTK's older windowed construction).

    Example::

        >>> f = Convolution((3, 3), 16, pad=True)
        >>> f(C.input_variable((3, 32, 32))).shape, f.W.shape
        ((16, 32, 32), (16, 3, 3, 3))
    """
    activation = get_default_override(Convolution, activation=activation)
    init = get_default_override(Convolution, init=init)
    pad = get_default_override(Convolution, pad=pad)
    bias = get_default_override(Convolution, bias=bias)
    init_bias = get_default_override(Convolution, init_bias=init_bias)
    return _convolution_layer(filter_shape, num_filters, bool(sequential), activation, init, pad, strides, sharing, bias,
                              init_bias, reduction_rank, transpose_weight, dilation, groups,
                              max_temp_mem_size_in_samples, op_name, name)


def SequentialConvolution(filter_shape, num_filters=None, activation=default_override_or(identity),
                          init=default_override_or(glorot_uniform()), pad=default_override_or(False), strides=1,
                          sharing=True, bias=default_override_or(True), init_bias=default_override_or(0),
                          reduction_rank=1, transpose_weight=False, dilation=1, groups=1,
                          max_temp_mem_size_in_samples=0, op_name='Convolution', name='') -> Function:
    """Convolution over the sequence axis and the static axes: ``filter_shape[0]`` slides along
    the sequence, the remaining filter axes along the input's trailing static axes.

    The input is a sequence of (channels, *spatial) items (or of (*spatial) with
    ``reduction_rank=0``); the output is a sequence, on a new sequence axis, of
    (num_filters, *spatial') items. Each sequence is padded and strided on its own. ``W`` has
    shape (num_filters, channels, *filter_shape) and ``b`` (num_filters, 1, ...) with one 1 per
    static filter axis.

    Example::

        >>> f = SequentialConvolution((3, 2), 4, pad=True)
        >>> f(C.sequence.input_variable((1, 5))).shape, f.W.shape
        ((4, 5), (4, 1, 3, 2))
    """
    activation = get_default_override(SequentialConvolution, activation=activation)
    init = get_default_override(SequentialConvolution, init=init)
    pad = get_default_override(SequentialConvolution, pad=pad)
    bias = get_default_override(SequentialConvolution, bias=bias)
    init_bias = get_default_override(SequentialConvolution, init_bias=init_bias)
    return _convolution_layer(filter_shape, num_filters, True, activation, init, pad, strides, sharing, bias, init_bias,
                              reduction_rank, transpose_weight, dilation, groups, max_temp_mem_size_in_samples,
                              op_name, name)


def _fixed_rank(filter_shape: Any, rank: int, what: str) -> tuple:
    """``filter_shape`` for a rank-specific layer: a scalar is repeated, a longer tuple is an error."""
    shape = _as_tuple(filter_shape)
    if len(shape) > rank or (rank == 1 and len(shape) != 1):
        raise ValueError("%s: filter_shape must be a scalar%s" % (what, "" if rank == 1 else " or a %dD tuple" % rank))
    return _pad_to_shape((0,) * rank, shape, 'filter_shape')


def _fixed_rank_convolution(layer: Any, rank: int, filter_shape: Any, num_filters: Any, activation: Any, init: Any,
                            pad: Any, strides: Any, bias: Any, init_bias: Any, reduction_rank: int, dilation: Any,
                            groups: int, name: str) -> Function:
    """The body of Convolution1D/2D/3D: their defaults, a filter of ``rank`` axes, CNTK's op name."""
    given = dict(activation=activation, init=init, pad=pad, bias=bias, init_bias=init_bias)
    resolved = {k: get_default_override(layer, **{k: v}) for k, v in given.items()}
    return Convolution(_fixed_rank(filter_shape, rank, layer.__name__), num_filters=num_filters, strides=strides,
                       reduction_rank=reduction_rank, dilation=dilation, groups=groups, op_name=layer.__name__,
                       name=name, **resolved)


def Convolution1D(filter_shape, num_filters=None, activation=default_override_or(identity),
                  init=default_override_or(glorot_uniform()), pad=default_override_or(False), strides=1,
                  bias=default_override_or(True), init_bias=default_override_or(0), reduction_rank=1, dilation=1,
                  name='') -> Function:
    """`Convolution` with a one-axis filter (``filter_shape`` must be a scalar or a 1-tuple)."""
    return _fixed_rank_convolution(Convolution1D, 1, filter_shape, num_filters, activation, init, pad, strides, bias,
                                   init_bias, reduction_rank, dilation, 1, name)


def Convolution2D(filter_shape, num_filters=None, activation=default_override_or(identity),
                  init=default_override_or(glorot_uniform()), pad=default_override_or(False), strides=1,
                  bias=default_override_or(True), init_bias=default_override_or(0), reduction_rank=1, dilation=1,
                  groups=1, name='') -> Function:
    """`Convolution` with a two-axis filter (a scalar ``filter_shape`` is used for both axes)."""
    return _fixed_rank_convolution(Convolution2D, 2, filter_shape, num_filters, activation, init, pad, strides, bias,
                                   init_bias, reduction_rank, dilation, groups, name)


def Convolution3D(filter_shape, num_filters=None, activation=default_override_or(identity),
                  init=default_override_or(glorot_uniform()), pad=default_override_or(False), strides=1,
                  bias=default_override_or(True), init_bias=default_override_or(0), reduction_rank=1, dilation=1,
                  groups=1, name='') -> Function:
    """`Convolution` with a three-axis filter (a scalar ``filter_shape`` is used for all three)."""
    return _fixed_rank_convolution(Convolution3D, 3, filter_shape, num_filters, activation, init, pad, strides, bias,
                                   init_bias, reduction_rank, dilation, groups, name)


def ConvolutionTranspose(filter_shape, num_filters, activation=default_override_or(identity),
                         init=default_override_or(glorot_uniform()), pad=default_override_or(False), strides=1,
                         sharing=True, bias=default_override_or(True), init_bias=default_override_or(0),
                         output_shape=None, reduction_rank=1, dilation=1, max_temp_mem_size_in_samples=0, name='') -> Function:
    """Transposed convolution ("deconvolution") layer: ``activation(convolution_transpose(W, x) + b)``.

    ``W`` has shape (input_channels, num_filters, *filter_shape) (input channels inferred) and
    ``b`` (num_filters, 1, ...). Without ``output_shape`` each spatial extent n becomes
    (n - 1) * stride + 1 with ``pad=True`` and (n - 1) * stride + filter without; ``output_shape``
    (spatial extents only) picks another size that convolves back to the input's.

    Example::

        >>> f = ConvolutionTranspose((3, 3), 8, strides=2, pad=True, output_shape=(16, 16))
        >>> f(C.input_variable((4, 8, 8))).shape
        (8, 16, 16)
    """
    activation = get_default_override(ConvolutionTranspose, activation=activation)
    init = get_default_override(ConvolutionTranspose, init=init)
    pad = get_default_override(ConvolutionTranspose, pad=pad)
    bias = get_default_override(ConvolutionTranspose, bias=bias)
    init_bias = get_default_override(ConvolutionTranspose, init_bias=init_bias)
    output_shape = get_default_override(ConvolutionTranspose, output_shape=output_shape)
    filter_shape = _as_tuple(filter_shape)
    num_filters = _as_tuple(num_filters)
    strides = _pad_to_shape(filter_shape, strides, 'strides')
    sharing = _pad_to_shape(filter_shape, sharing, 'sharing')
    pad = _pad_to_shape(filter_shape, pad, 'pad')
    dilation = _pad_to_shape(filter_shape, dilation, 'dilation')
    if reduction_rank not in (0, 1):
        raise NotImplementedError("ConvolutionTranspose: reduction_rank must be 0 or 1")
    if not all(sharing):
        raise NotImplementedError("cntk.layers.ConvolutionTranspose: sharing=False is not supported (as in CNTK)")
    filter_rank = len(filter_shape)
    W = Parameter((_INFERRED,) + num_filters + filter_shape, init=_kernel_init(init, filter_rank), name='W')
    b = _bias(num_filters + (1,) * filter_rank, init_bias) if bias else None
    full_output = None if output_shape is None else num_filters + _as_tuple(output_shape)

    def convolve_transposed(x):
        if reduction_rank == 0:
            x = _insert_unit_axis(x, filter_rank)
        r = convolution_transpose(W, x, strides=(1,) + strides, sharing=(True,) + sharing, auto_padding=(False,) + pad,
                                  output_shape=full_output, dilation=(1,) + dilation,
                                  max_temp_mem_size_in_samples=max_temp_mem_size_in_samples)
        if b is not None:
            r = r + b
        return _apply(activation, r)
    return make_block(convolve_transposed, 'ConvolutionTranspose', name)


def _transpose_nd(rank: int, what: str) -> Callable:
    def layer(filter_shape, num_filters, activation=default_override_or(identity),
              init=default_override_or(glorot_uniform()), pad=default_override_or(False), strides=1,
              bias=default_override_or(True), init_bias=default_override_or(0), output_shape=None, reduction_rank=1,
              dilation=1, name='') -> Function:
        activation = get_default_override(layer, activation=activation)
        init = get_default_override(layer, init=init)
        pad = get_default_override(layer, pad=pad)
        bias = get_default_override(layer, bias=bias)
        init_bias = get_default_override(layer, init_bias=init_bias)
        output_shape = get_default_override(layer, output_shape=output_shape)
        shape = _fixed_rank(filter_shape, rank, what)
        return ConvolutionTranspose(shape, num_filters, activation, init, pad, strides, True, bias, init_bias,
                                    output_shape, reduction_rank=reduction_rank, dilation=dilation, name=name)
    layer.__name__ = layer.__qualname__ = what
    layer.__doc__ = ("`ConvolutionTranspose` with a %d-axis filter (%s)."
                     % (rank, "a scalar or a 1-tuple" if rank == 1 else "a scalar is used for every axis"))
    return layer


ConvolutionTranspose1D = _transpose_nd(1, 'ConvolutionTranspose1D')
ConvolutionTranspose2D = _transpose_nd(2, 'ConvolutionTranspose2D')
ConvolutionTranspose3D = _transpose_nd(3, 'ConvolutionTranspose3D')


def _pooling_layer(pooling_type: int, filter_shape: Any, strides: Any, pad: Any, op_name: str, name: str) -> Function:
    filter_shape = _as_tuple(filter_shape)
    strides = _pad_to_shape(filter_shape, strides, 'strides')
    pad = _pad_to_shape(filter_shape, pad, 'pad')

    def pool(x):
        return pooling(x, pooling_type, filter_shape, strides=strides, auto_padding=pad)
    return make_block(pool, op_name, name)


def MaxPooling(filter_shape, strides=1, pad=default_override_or(False), name='') -> Function:
    """Max pooling over windows of ``filter_shape`` on the trailing axes (channels pooled one by
    one). ``pad=True`` keeps ceil(n / stride) positions, padded cells never winning."""
    pad = get_default_override(MaxPooling, pad=pad)
    return _pooling_layer(MAX_POOLING, filter_shape, strides, pad, 'MaxPooling', name)


def AveragePooling(filter_shape, strides=1, pad=default_override_or(False), name='') -> Function:
    """Average pooling over windows of ``filter_shape`` on the trailing axes; with ``pad=True``
    the averages at the borders count only the cells inside the input."""
    pad = get_default_override(AveragePooling, pad=pad)
    return _pooling_layer(AVG_POOLING, filter_shape, strides, pad, 'AveragePooling', name)


def GlobalMaxPooling(name='') -> Function:
    """The maximum over all axes but the first, per channel: (C, H, W) -> (C, 1, 1)."""
    return _pooling_layer(MAX_POOLING, _GLOBAL, 1, False, 'GlobalMaxPooling', name)


def GlobalAveragePooling(name='') -> Function:
    """The average over all axes but the first, per channel: (C, H, W) -> (C, 1, 1)."""
    return _pooling_layer(AVG_POOLING, _GLOBAL, 1, False, 'GlobalAveragePooling', name)


def MaxUnpooling(filter_shape, strides=1, pad=False, name='') -> Function:
    """Undo a `MaxPooling` with the same options: called as ``f(pooled, pooling_input)``, it puts
    each pooled value where its window's maximum is in ``pooling_input`` and 0 elsewhere."""
    filter_shape = _as_tuple(filter_shape)
    strides = _pad_to_shape(filter_shape, strides, 'strides')
    pad = _pad_to_shape(filter_shape, pad, 'pad')

    def maxunpool(x, y):
        return unpooling(x, y, MAX_UNPOOLING, filter_shape, strides=strides, auto_padding=pad)
    return make_block(maxunpool, 'MaxUnpooling', name)
