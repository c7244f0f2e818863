"""Feed-forward layer factories: Dense, Embedding, Dropout, Activation, Label, identity.

Every factory returns a Function whose argument is a placeholder; parameters are created once per
factory call (reusing the returned object shares them) with input dimensions left as -1 until the
layer is first applied to a typed variable.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._graph.defaults import default_override_or, get_default_override
from .._graph.function import Function, primitive
from .._graph.initializer import SentinelValueForAutoSelectRandomSeed, glorot_uniform
from .._graph.variable import Constant, Parameter
from ._util import as_shape, init_with_rank, make_block, make_composite

_INFERRED = -1


def _weight(shape, init, name):
    """A weight Parameter; an array (or nested list) ``init`` fixes the shape (its input part is then not inferred)."""
    if isinstance(init, list):
        init = np.asarray(init, dtype=np.float32)
    if isinstance(init, np.ndarray):
        if init.shape[len(init.shape) - (len(shape) - 1):] != shape[1:] and len(init.shape) == len(shape):
            raise ValueError("%s: init array has shape %s, expected (input_dim, %s)" % (name, init.shape, shape[1:]))
        return Parameter(init.shape, init=init.astype(np.float32), name=name)
    return Parameter(shape, init=init, name=name)


def _identity_body(keep):
    from ..ops import combine
    return combine([keep])


identity = make_composite(_identity_body)
identity.__doc__ = "The identity Function: ``identity(x)`` is x (used as the default activation)."


def _apply_activation(activation: Any, x: Any):
    if activation is None or activation is identity:
        return x
    return activation(x)


def Dense(shape, activation=default_override_or(identity), init=default_override_or(glorot_uniform()),
          input_rank=None, map_rank=None, bias=default_override_or(True), init_bias=default_override_or(0), name=''):
    """Fully connected layer: ``activation(x @ W + b)``.

    ``W`` has shape ``input_shape + shape`` and ``b`` shape ``shape``. By default all axes of the
    input are contracted; ``input_rank=r`` contracts only the last r axes and ``map_rank=m`` keeps the
    first m axes (the layer is then applied to each of them).

    Example::

        >>> f = Dense(5, activation=C.relu)
        >>> y = f(C.input_variable(3))
        >>> f.W.shape, f.b.shape
        ((3, 5), (5,))
    """
    activation = get_default_override(Dense, activation=activation)
    init = get_default_override(Dense, init=init)
    bias = get_default_override(Dense, bias=bias)
    init_bias = get_default_override(Dense, init_bias=init_bias)
    if input_rank is not None and map_rank is not None:
        raise ValueError("Dense: input_rank and map_rank cannot be specified at the same time")
    output_shape = as_shape(shape)
    output_rank = len(output_shape)
    input_shape = (_INFERRED,) * (input_rank if input_rank is not None else 1)
    W = _weight(input_shape + output_shape, init_with_rank(init, output_rank), 'W')
    b = Parameter(output_shape, init=init_bias, name='b') if bias else None
    attrs = {"output_rank": output_rank, "infer_input_rank_to_map": map_rank if map_rank is not None else 0}
    if input_rank is not None:
        attrs["input_rank"] = int(input_rank)
        attrs["infer_input_rank_to_map"] = -1

    def dense(x):
        r = primitive("Times", [x, W], dict(attrs))
        if b is not None:
            r = r + b
        return _apply_activation(activation, r)
    return make_block(dense, 'Dense', name)


def Embedding(shape=None, init=default_override_or(glorot_uniform()), weights=None, name=''):
    """Embedding lookup ``x @ E`` for (normally one-hot, sparse) x.

    ``E`` is a Parameter of shape ``(input_dim, shape)``, or, when ``weights`` (an array) is
    given, a Constant holding those values (not trained).
    """
    if weights is None:
        if shape is None:
            raise ValueError("Embedding: the output dimension 'shape' must be given unless 'weights' are")
        init = get_default_override(Embedding, init=init)
        shape = as_shape(shape)
        E = _weight((_INFERRED,) + shape, init_with_rank(init, len(shape)), 'E')
    else:
        if shape is not None:
            raise ValueError("Embedding: 'shape' must not be given together with 'weights'")
        if not isinstance(init, type(default_override_or(0))):
            raise ValueError("Embedding: 'init' must not be given together with 'weights'")
        E = Constant(np.asarray(weights), name='E')
        shape = E.shape[1:]

    def embedding(x):
        return primitive("Times", [x, E], {"output_rank": len(shape), "infer_input_rank_to_map": 0})
    return make_block(embedding, 'Embedding', name)


def Dropout(dropout_rate=None, keep_prob=None, seed=SentinelValueForAutoSelectRandomSeed, name=''):
    """Dropout during training (each element zeroed with probability ``dropout_rate``, survivors
    scaled by 1/(1-rate)); the identity in evaluation. Give exactly one of dropout_rate/keep_prob."""
    if dropout_rate is None and keep_prob is None:
        raise ValueError("Dropout: either dropout_rate or keep_prob must be specified")
    if dropout_rate is not None and keep_prob is not None:
        raise ValueError("Dropout: dropout_rate and keep_prob cannot both be specified")
    if keep_prob is not None:
        if not 0.0 < keep_prob <= 1.0:
            raise ValueError("Dropout: keep_prob must be in the interval (0,1]")
        dropout_rate = 1.0 - keep_prob
    from ..ops import dropout as dropout_op

    def dropout(x):
        return dropout_op(x, dropout_rate=dropout_rate, seed=seed)
    return make_block(dropout, 'Dropout', name)


def Activation(activation=default_override_or(identity), name=''):
    """A layer applying an activation function (e.g. ``Activation(C.relu)``)."""
    activation = get_default_override(Activation, activation=activation)

    def activation_(x):
        from ..ops import alias
        y = _apply_activation(activation, x)
        return y if y is not x else alias(x)
    return make_block(activation_, 'Activation', name)


def Label(name):
    """Identity that gives its output the name ``name`` so that it can be found later
    (``model.<name>``), e.g. ``Sequential([Dense(3), Label('hidden'), Dense(2)])``."""
    if not isinstance(name, str) or not name:
        raise ValueError("Label: a name (non-empty string) is required")
    from ..ops import alias

    def label(x):
        return alias(x, name=name)
    return make_composite(label)


def is_function(f: Any) -> bool:
    return isinstance(f, Function)
