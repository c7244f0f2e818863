"""Normalisation layers: LayerNormalization and BatchNormalization."""
from __future__ import annotations

from .._graph.defaults import default_override_or, get_default_override
from .._ops.normalization import batch_normalization
from .._graph.variable import Constant, Parameter
from ._util import make_block

_INFERRED = -1


def LayerNormalization(initial_scale=1, initial_bias=0, epsilon=default_override_or(0.00001), name=''):
    """Normalise each sample over all its static elements:
    ``(x - mean) / (std + epsilon) * scale + bias`` (epsilon is added to the standard deviation).
    ``scale`` and ``bias`` take the size of the input's last axis."""
    epsilon = get_default_override(LayerNormalization, epsilon=epsilon)
    from ..ops import reduce_mean, sqrt
    scale = Parameter((_INFERRED,), init=initial_scale, name='scale')
    bias = Parameter((_INFERRED,), init=initial_bias, name='bias')

    def layer_normalize(x):
        mean = reduce_mean(x)
        x0 = x - mean
        std = sqrt(reduce_mean(x0 * x0))
        x_hat = x0 / (std + epsilon)
        return x_hat * scale + bias
    return make_block(layer_normalize, 'LayerNormalization', name)


def BatchNormalization(map_rank=default_override_or(None), init_scale=1,
                       normalization_time_constant=default_override_or(5000), blend_time_constant=0,
                       epsilon=default_override_or(0.00001), use_cntk_engine=default_override_or(False),
                       disable_regularization=default_override_or(False), name=''):
    """Batch normalisation over all samples of a minibatch (every valid step of every sequence;
    padding is not counted). ``map_rank=1`` normalises per leading axis (channel) instead of per
    element. Running statistics (Constants ``aggregate_mean``, ``aggregate_variance``,
    ``aggregate_count``) are updated in training and used in inference."""
    map_rank = get_default_override(BatchNormalization, map_rank=map_rank)
    normalization_time_constant = get_default_override(BatchNormalization,
                                                       normalization_time_constant=normalization_time_constant)
    epsilon = get_default_override(BatchNormalization, epsilon=epsilon)
    disable_regularization = get_default_override(BatchNormalization, disable_regularization=disable_regularization)
    if map_rank not in (None, 1):
        raise ValueError("BatchNormalization: map_rank can only be None or 1")
    spatial = map_rank == 1
    scale = Parameter(_INFERRED, init=init_scale, name='scale')
    bias = Parameter(_INFERRED, init=0, name='bias')
    run_mean = _inferred_constant('aggregate_mean')
    run_var = _inferred_constant('aggregate_variance')
    run_count = Constant(0.0, shape=(), name='aggregate_count')

    def batch_normalize(x):
        return batch_normalization(x, scale, bias, run_mean, run_var, spatial,
                                   normalization_time_constant=normalization_time_constant,
                                   blend_time_constant=blend_time_constant, epsilon=epsilon,
                                   disable_regularization=disable_regularization, running_count=run_count)
    return make_block(batch_normalize, 'BatchNormalization', name)


def _inferred_constant(name):
    """A zero-initialised Constant whose shape is inferred when the layer is bound."""
    from .._graph.variable import VariableKind, _ValueHolder
    c = Constant.__new__(Constant)
    _ValueHolder.__init__(c, (_INFERRED,), 0.0, None, name, VariableKind.Constant)
    return c
