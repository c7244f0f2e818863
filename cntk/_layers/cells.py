"""Recurrent cells: one time step of LSTM, GRU and plain RNN, as blocks.

A cell is kept apart from the loop that drives it: ``LSTM(n)`` is a block Function
``(dh, dc, x) -> (h, c)``; ``GRU(n)`` and ``RNNStep(n)`` are ``(dh, x) -> h``. The loops
(`Recurrence`, `Fold`, `RecurrenceFrom`) live in ``recurrence.py``. A cell can also be called
directly on variables to build a custom step.

Parameter layout (weights stored (input, output) and used as ``x @ W``): LSTM packs its four
projections along the last axis in the order [input gate, candidate, forget gate, output gate];
GRU packs [update, reset, candidate] in ``W``/``b`` and [update, reset] in ``H``, with ``H1`` the
candidate's recurrent matrix, applied to the reset-gated previous output.
"""
from __future__ import annotations

import math
import warnings
from typing import Dict, NamedTuple, Optional, Tuple

from .._graph import traversal
from .._graph.defaults import default_override_or, get_default_override
from .._graph.function import primitive
from .._graph.initializer import glorot_uniform
from .._graph.variable import Parameter, placeholder
from .._ops.elementwise import sigmoid, tanh
from ._util import as_shape, make_block, shape_size
from .core_layers import identity

_INFERRED = -1


class CellInfo(NamedTuple):
    """What a stock cell block computes, for execution engines that run it as a fused kernel.

    Attached read-only to the block as ``block._cell_info`` (clones carry it). ``roles`` names the
    leaves of the block's internal graph in depth-first order (see `cell_leaves`): ``'W'``, ``'H'``,
    ``'H1'``, ``'b'``, ``'Ci'``, ``'Cf'``, ``'Co'``, ``'P'``, ``'S_dh'``/``'S_dc'``/``'S_ct'``/``'S_ht'``
    (the parameter of that stabiliser) and None for the state/input placeholders and unnamed constants.
    """

    kind: str                   # 'LSTM', 'GRU' or 'RNNStep'
    activation: Optional[str]   # 'tanh', 'relu', 'sigmoid', or None for any other function
    use_peepholes: bool
    projection: bool
    steepness: float            # of the stabilisers
    roles: Tuple[Optional[str], ...]


def cell_leaves(block) -> list:
    """The leaves (parameters, constants, placeholders) of a cell block's internal graph, depth first."""
    return [v for v in traversal.depth_first(block.block_root) if not traversal._is_function(v)]


def _activation_name(activation) -> Optional[str]:
    from .._ops.elementwise import relu
    return {id(tanh): 'tanh', id(relu): 'relu', id(sigmoid): 'sigmoid'}.get(id(activation))


def _mark_cell(block, kind: str, activation, use_peepholes: bool, projection: bool,
               role_of: Dict[int, str], stabilizers: Dict[str, object]):
    """Attach a `CellInfo` to ``block`` (``stabilizers`` maps a role to its Stabilizer or identity)."""
    role_of = dict(role_of)
    for role, stab in stabilizers.items():
        if stab is not identity:
            role_of.update({id(p): role for p in stab.parameters})
    roles = tuple(role_of.get(id(v)) for v in cell_leaves(block))
    block._cell_info = CellInfo(kind, _activation_name(activation), bool(use_peepholes), bool(projection),
                               _STEEPNESS, roles)
    return block


_STEEPNESS = 4


def Stabilizer(steepness=_STEEPNESS, enable_self_stabilization=default_override_or(True), name=''):
    """Self-stabilizer: multiplies its input by a learned scalar ``softplus_beta(alpha)``
    (beta = steepness), initialised so that the factor is 1. With
    ``enable_self_stabilization=False`` it is the identity (no parameter)."""
    enable_self_stabilization = get_default_override(Stabilizer, enable_self_stabilization=enable_self_stabilization)
    if not enable_self_stabilization:
        return identity
    init = math.log(math.exp(steepness) - 1.0) / steepness
    alpha = Parameter((), init=init, name='alpha')
    from ..ops import element_times

    def stabilizer(x):
        # softplus with steepness: log(1 + exp(beta * alpha)) / beta, computed stably
        from ..ops import softplus
        factor = softplus(alpha * float(steepness)) * (1.0 / steepness)
        return element_times(factor, x)
    return make_block(stabilizer, 'Stabilizer', name)


def _slice_last(z, k, n):
    from ..ops import slice as slice_op
    return slice_op(z, -1, k * n, (k + 1) * n)


def _cell_params(shape, cell_shape, stack, init, init_bias, peep_count=0):
    out_shape = as_shape(shape)
    cell = as_shape(cell_shape) if cell_shape is not None else out_shape
    if len(out_shape) != 1 or len(cell) != 1:
        raise NotImplementedError("recurrent cells support one-dimensional shapes only, got shape=%r cell_shape=%r"
                                  % (shape, cell_shape))
    return out_shape[0], cell[0]


def LSTM(shape, cell_shape=None, activation=default_override_or(tanh), use_peepholes=default_override_or(False),
         init=default_override_or(glorot_uniform()), init_bias=default_override_or(0),
         enable_self_stabilization=default_override_or(False), name=''):
    """One LSTM step as a block ``(dh, dc, x) -> (h, c)`` for use in `Recurrence`/`Fold`.

    ``cell_shape`` (if larger or smaller than ``shape``) adds a projection ``P`` from the cell to the
    output; ``use_peepholes`` adds element-wise peephole weights ``Ci, Cf, Co``;
    ``enable_self_stabilization`` inserts `Stabilizer` gates. Default activation tanh.

    Example (a bidirectional LSTM, both directions spliced)::

        >>> fwd = Recurrence(LSTM(100))
        >>> bwd = Recurrence(LSTM(100), go_backwards=True)
        >>> birnn = Sequential([(fwd, bwd), C.splice])          # output dim 200
    """
    from ..ops import times
    activation = get_default_override(LSTM, activation=activation)
    use_peepholes = get_default_override(LSTM, use_peepholes=use_peepholes)
    init = get_default_override(LSTM, init=init)
    init_bias = get_default_override(LSTM, init_bias=init_bias)
    stab = get_default_override(LSTM, enable_self_stabilization=enable_self_stabilization)
    n_out, n_cell = _cell_params(shape, cell_shape, 4, init, init_bias)
    has_projection = cell_shape is not None

    b = Parameter((4 * n_cell,), init=init_bias, name='b')
    W = Parameter((_INFERRED, 4 * n_cell), init=init, name='W')
    H = Parameter((n_out, 4 * n_cell), init=init, name='H')
    if use_peepholes:
        Ci = Parameter((n_cell,), init=init, name='Ci')
        Cf = Parameter((n_cell,), init=init, name='Cf')
        Co = Parameter((n_cell,), init=init, name='Co')
    if has_projection:
        P = Parameter((n_cell, n_out), init=init, name='P')
    S_dh = Stabilizer(enable_self_stabilization=stab)
    S_dc = Stabilizer(enable_self_stabilization=stab) if use_peepholes else identity
    S_ct = Stabilizer(enable_self_stabilization=stab) if use_peepholes else identity
    S_ht = Stabilizer(enable_self_stabilization=stab) if has_projection else identity

    def lstm(dh, dc, x):
        dhs = S_dh(dh)
        z = b + times(x, W) + times(dhs, H)
        zi, zc, zf, zo = (_slice_last(z, k, n_cell) for k in range(4))
        if use_peepholes:
            dcs = S_dc(dc)
            i = sigmoid(zi + Ci * dcs)
            f = sigmoid(zf + Cf * dcs)
        else:
            i = sigmoid(zi)
            f = sigmoid(zf)
        c = f * dc + i * activation(zc)
        o = sigmoid(zo + Co * S_ct(c)) if use_peepholes else sigmoid(zo)
        h = o * activation(c)
        if has_projection:
            h = times(S_ht(h), P)
        return (h, c)
    roles = {id(b): 'b', id(W): 'W', id(H): 'H'}
    if use_peepholes:
        roles.update({id(Ci): 'Ci', id(Cf): 'Cf', id(Co): 'Co'})
    if has_projection:
        roles[id(P)] = 'P'
    return _mark_cell(make_block(lstm, 'LSTM', name), 'LSTM', activation, use_peepholes, has_projection, roles,
                      {'S_dh': S_dh, 'S_dc': S_dc, 'S_ct': S_ct, 'S_ht': S_ht})


def GRU(shape, cell_shape=None, activation=default_override_or(tanh), init=default_override_or(glorot_uniform()),
        init_bias=default_override_or(0), enable_self_stabilization=default_override_or(False), name=''):
    """One GRU step as a block ``(dh, x) -> h``.

    ``z = sigmoid(.. update ..)``, ``r = sigmoid(.. reset ..)``, candidate
    ``c = act(x@W_c + b_c + (r * dh) @ H1)`` (the reset gate is applied before the recurrent
    product), ``h = (1 - z) * c + z * dh``. Default activation tanh.
    """
    from ..ops import times
    activation = get_default_override(GRU, activation=activation)
    init = get_default_override(GRU, init=init)
    init_bias = get_default_override(GRU, init_bias=init_bias)
    stab = get_default_override(GRU, enable_self_stabilization=enable_self_stabilization)
    n_out, n_cell = _cell_params(shape, cell_shape, 3, init, init_bias)
    has_projection = cell_shape is not None

    b = Parameter((3 * n_cell,), init=init_bias, name='b')
    W = Parameter((_INFERRED, 3 * n_cell), init=init, name='W')
    H = Parameter((n_out, 2 * n_cell), init=init, name='H')
    H1 = Parameter((n_out, n_cell), init=init, name='H1')
    if has_projection:
        P = Parameter((n_cell, n_out), init=init, name='P')
    S_dh = Stabilizer(enable_self_stabilization=stab)
    S_ht = Stabilizer(enable_self_stabilization=stab) if has_projection else identity

    def gru(dh, x):
        dhs = S_dh(dh)
        px = b + times(x, W)
        ph = times(dhs, H)
        z = sigmoid(_slice_last(px, 0, n_cell) + _slice_last(ph, 0, n_cell))
        r = sigmoid(_slice_last(px, 1, n_cell) + _slice_last(ph, 1, n_cell))
        c = activation(_slice_last(px, 2, n_cell) + times(r * dhs, H1))
        h = (1 - z) * c + z * dhs
        if has_projection:
            h = times(S_ht(h), P)
        return h
    roles = {id(b): 'b', id(W): 'W', id(H): 'H', id(H1): 'H1'}
    if has_projection:
        roles[id(P)] = 'P'
    return _mark_cell(make_block(gru, 'GRU', name), 'GRU', activation, False, has_projection, roles,
                      {'S_dh': S_dh, 'S_ht': S_ht})


def RNNStep(shape, cell_shape=None, activation=default_override_or(sigmoid), init=default_override_or(glorot_uniform()),
            init_bias=default_override_or(0), enable_self_stabilization=default_override_or(False), name=''):
    """One plain RNN step as a block ``(dh, x) -> h = act(x@W + dh@H + b)``; default activation
    **sigmoid** (as in CNTK)."""
    from ..ops import times
    activation = get_default_override(RNNStep, activation=activation)
    init = get_default_override(RNNStep, init=init)
    init_bias = get_default_override(RNNStep, init_bias=init_bias)
    stab = get_default_override(RNNStep, enable_self_stabilization=enable_self_stabilization)
    n_out, n_cell = _cell_params(shape, cell_shape, 1, init, init_bias)
    if cell_shape is not None and n_cell != n_out:
        raise NotImplementedError("RNNStep: cell_shape different from shape is not supported")
    W = Parameter((_INFERRED, n_cell), init=init, name='W')
    H = Parameter((n_out, n_cell), init=init, name='H')
    b = Parameter((n_cell,), init=init_bias, name='b')
    S_dh = Stabilizer(enable_self_stabilization=stab)

    def rnn_step(dh, x):
        return activation(times(x, W) + times(S_dh(dh), H) + b)
    return _mark_cell(make_block(rnn_step, 'RNNStep', name), 'RNNStep', activation, False, False,
                      {id(W): 'W', id(H): 'H', id(b): 'b'}, {'S_dh': S_dh})


def RNNUnit(shape, cell_shape=None, activation=default_override_or(sigmoid), init=default_override_or(glorot_uniform()),
            init_bias=default_override_or(0), enable_self_stabilization=default_override_or(False), name=''):
    """Deprecated name of `RNNStep`."""
    warnings.warn("RNNUnit is deprecated, use RNNStep instead", DeprecationWarning)
    return RNNStep(shape, cell_shape, activation, init, init_bias, enable_self_stabilization, name)


def ForwardDeclaration(name='forward_declaration'):
    """A placeholder for hand-built recurrent loops: use it, then call ``.resolve_to(var)`` with the
    variable it stands for, e.g.::

        h_fwd = ForwardDeclaration()
        h = C.sequence.past_value(h_fwd) + x
        h_fwd.resolve_to(h)
    """
    var_fwd = placeholder(name=name)

    def resolve_to(var):
        from .._graph.function import Function
        target = var if isinstance(var, Function) else var.owner
        if target is None:
            raise ValueError("ForwardDeclaration.resolve_to: the variable must be the output of a function")
        target.replace_placeholders({var_fwd: var})
    var_fwd.resolve_to = resolve_to
    return var_fwd
