"""CNTK's op constructors (`cntk.ops`): each builds a graph node; nothing is computed until evaluation."""
import numpy as np

from .._graph.axis import Axis
from .._graph.defaults import default_override_or
from .._graph.function import CloneMethod, Function
from .._graph.variable import Constant, Parameter, Variable, input_variable, placeholder
from .._ops.elementwise import (abs, acos, alias, asin, asinh, atan, atanh, cast, ceil, clip, cos, cosh, dropout,
                                element_and, element_divide, element_max, element_min, element_not, element_or,
                                element_select, element_times, element_xor, elu, equal, exp, floor, greater,
                                greater_equal, hard_sigmoid, hardmax, leaky_relu, less, less_equal, log, log_add_exp,
                                log_softmax, mean, minus, negate, not_equal, param_relu, plus, pow, reciprocal, relu,
                                round, selu, sigmoid, sin, sinh, softmax, softplus, softsign, sqrt, square,
                                stop_gradient, straight_through_impl, sum, tan, tanh)
from .._ops.tensor import (CONSTANT_PAD, REFLECT_PAD, SYMMETRIC_PAD, argmax, argmin, as_block, as_composite, assign,
                           combine, expand_dims, eye_like, flatten, gather, one_hot, ones_like, pad, reconcile_dynamic_axes,
                           reduce_l1, reduce_l2, reduce_log_sum_exp, reduce_max, reduce_mean, reduce_min, reduce_prod,
                           reduce_sum, reduce_sum_square, reshape, slice, splice, squeeze, swapaxes, times,
                           times_transpose, to_batch, to_sequence, to_sequence_like, top_k, transpose, unpack_batch,
                           zeros_like)
from .._ops.normalization import (batch_normalization, local_response_normalization, mean_variance_normalization,
                                  per_dim_mean_variance_normalize)
from .._ops.random import random_sample, random_sample_inclusion_frequency
from .._ops.tensor import TIMES_NO_INFERRED_INPUT_RANK, TIMES_REDUCE_SEQUENCE_AXIS_WITHOUT_INFERRED_INPUT_RANK
from .._ops.spatial import depth_to_space, space_to_depth
from .._ops.convolution import (AVG_POOLING, MAX_POOLING, MAX_UNPOOLING, convolution, convolution_transpose, pooling,
                               unpooling)
from .._graph.user_function import output_variable, user_function
from . import sequence


def input(shape, dtype=default_override_or(np.float32), needs_gradient=False, is_sparse=False, dynamic_axes=None,
          name=""):
    """A graph input (same as `input_variable`)."""
    return input_variable(shape, np.float32 if dtype is None else dtype, needs_gradient, is_sparse, dynamic_axes, name)


def constant(value=None, shape=None, dtype=None, device=None, name=""):
    """A Constant (function form)."""
    return Constant(value, shape, dtype, device, name)


def parameter(shape=None, init=None, dtype=None, device=None, name=""):
    """A Parameter (function form)."""
    return Parameter(shape, init, dtype, device, name)


def optimized_rnnstack(*args, **kwargs):
    """cuDNN's fused RNN stack (not implemented; use cntk.layers.Recurrence)."""
    raise NotImplementedError("cntk.ops.optimized_rnnstack is not implemented in cntk-torch; "
                              "use cntk.layers.Recurrence(LSTM(...))")


def roipooling(operand, rois, pooling_type, roi_output_shape, spatial_scale, name=''):
    """Region-of-interest pooling (not implemented)."""
    raise NotImplementedError("cntk.ops.roipooling is not implemented in cntk-torch")
