"""Normalisation ops: batch normalisation (a primitive with running statistics), local response
normalisation and mean-variance normalisation (blocks composed of element-wise ops and reductions)."""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._exec.kernels import normalization as _bn_kernel  # noqa: F401  (registers the kernel)
from .._graph import inference_normalization as _bn_rule  # noqa: F401  (registers the type rule)
from .._graph.function import Function, primitive
from .._graph.variable import Constant


def batch_normalization(operand: Any, scale: Any, bias: Any, running_mean: Any, running_inv_std: Any, spatial: bool,
                        normalization_time_constant: float = 5000, blend_time_constant: float = 0,
                        epsilon: float = 0.00001, use_cudnn_engine: bool = False, disable_regularization: bool = False,
                        name: str = '', running_count: Any = None) -> Function:
    """Batch normalisation with learnt ``scale`` and ``bias``.

    In training (``train_minibatch``, ``forward`` with states kept for backward, ``grad``) the
    operand is normalised with the mean and biased variance of the minibatch and the running
    statistics are updated in place: ``running_mean``, ``running_inv_std`` (which holds the running
    *variance*; the name is historical) and the sample count ``running_count``. The blend factor of a
    minibatch of N samples is ``1 - exp(-N / normalization_time_constant)`` (0 for an infinite
    constant, the cumulative average ``N / (count + N)`` for a negative one); the first minibatch
    (count 0) replaces the statistics, storing the unbiased variance. In inference the running
    statistics are used. ``spatial=True`` keeps one statistic per leading (channel) axis, else one
    per element; the statistics and parameters are then vectors of the channel count, or of the
    sample's element count. Dimensions given as ``InferredDimension`` are inferred from the operand.
    ``blend_time_constant`` and ``use_cudnn_engine`` are recorded but do not change the result.
    """
    if running_count is None:
        warnings.warn("batch_normalization needs a 'running_count' argument (a scalar constant such as "
                      "constant(0)); a fresh one is created", Warning)
        running_count = Constant(0.0, shape=(), name='aggregate_count')
    return primitive("BatchNormalization", [operand, scale, bias, running_mean, running_inv_std, running_count],
                     {"spatial": bool(spatial), "normalization_time_constant": float(normalization_time_constant),
                      "blend_time_constant": float(blend_time_constant), "epsilon": float(epsilon),
                      "disable_regularization": bool(disable_regularization)},
                     name=name)


def local_response_normalization(operand: Any, depth_radius: int, bias: float, alpha: float, beta: float,
                                 name: str = '') -> Function:
    """Normalise each element of a ``[C x H x W]`` operand by its neighbours along the channel axis:
    ``x_c / (bias + alpha / (2r+1) * sum_{|j-c| <= r} x_j**2) ** beta`` with ``r = depth_radius``
    (the window is cut at the first and last channel). A block named ``LocalResponseNormalization``."""
    from .._layers._util import make_block
    from ..ops import constant, convolution, exp, log, reshape, square
    width = 2 * int(depth_radius) + 1

    def local_response_normalization(x):
        # the channel axis becomes a spatial axis of a one-map convolution with a (width x 1 x 1) window
        squares = reshape(square(x), (1, -1), 0, 1)
        window = constant(float(alpha) / width, shape=(1, width, 1, 1), dtype=x.dtype)
        total = reshape(convolution(window, squares), (-1,), 0, 2)
        return x / exp(float(beta) * log(float(bias) + total))

    block = make_block(local_response_normalization, 'LocalResponseNormalization', name)
    block._attributes.update({"depthRadius": int(depth_radius), "bias": float(bias), "alpha": float(alpha),
                              "beta": float(beta)})
    return block(operand)


def mean_variance_normalization(operand: Any, epsilon: float = 0.00001, use_stats_across_channels: bool = False,
                                do_variance_scaling: bool = True, name: str = '') -> Function:
    """Subtract the mean of a ``[C x H x W]`` operand, per channel (over all axes but the first) or
    over the whole tensor (``use_stats_across_channels``), and, with ``do_variance_scaling``, divide by
    the standard deviation plus ``epsilon`` (epsilon is added to the standard deviation, not to the
    variance). A block named ``MeanVarianceNormalization``."""
    if epsilon < 0:
        raise ValueError('epsilon must be non-negative.')
    from .._graph.function import as_variable
    from .._layers._util import make_block
    from ..ops import reduce_mean, sqrt
    rank = len(as_variable(operand).shape)
    axes = list(range(rank)) if use_stats_across_channels else list(range(1, rank))

    def mean_variance_normalization(x):
        if not axes:  # each element is its own statistic
            return x - x
        centred = x - reduce_mean(x, axis=axes)
        if not do_variance_scaling:
            return centred
        return centred / (sqrt(reduce_mean(centred * centred, axis=axes)) + float(epsilon))

    block = make_block(mean_variance_normalization, 'MeanVarianceNormalization', name)
    block._attributes.update({"epsilon": float(epsilon), "useStatsAcrossChannels": bool(use_stats_across_channels),
                              "doVarianceScaling": bool(do_variance_scaling)})
    return block(operand)


def per_dim_mean_variance_normalize(operand: Any, mean: Any, inv_stddev: Any, name: str = '') -> Function:
    """``(operand - mean) * inv_stddev`` with fixed per-element statistics (arrays or constants)."""
    from ..ops import constant, element_times, minus
    from .._graph.function import as_variable
    mean_v = mean if hasattr(mean, "uid") else constant(np.asarray(mean, dtype=as_variable(operand).dtype))
    inv_v = inv_stddev if hasattr(inv_stddev, "uid") else constant(np.asarray(inv_stddev, dtype=as_variable(operand).dtype))
    return element_times(minus(operand, mean_v), inv_v, name=name)
